// One test class at a time: the tests train rows in-process, and a data-parallel training step must not see a
// garbage collection induced by another trainer's thread (see LDae.Training.DataParallel); two trainers would also
// oversubscribe the cores.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

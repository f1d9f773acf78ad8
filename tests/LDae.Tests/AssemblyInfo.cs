// Test classes run one after another: several of them train small models, and TorchSharp frees the native
// Scalars behind implicit scalar arguments from the GC's finalizer. The trainer's per-step gen-0 collection,
// running beside another class's native call, surfaced that as "Unknown scalar type" in a parallel run.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

using LDae.Data;
using LDae.Harness.Config;
using LDae.Method;
using LDae.Rows;
using LDae.Runtime;
using LDae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Benchmarks;

/// <summary>
/// The benchmark's timed training: the real <see cref="Trainer"/> over warm-up + timed steps with a
/// <see cref="StepClock"/> on its progress callback, the yardstick sampled between timed steps, and the memory the
/// process held while training. Holds the trainer until disposed, as a row run holds it to the end.
/// </summary>
sealed class TimedTraining : IDisposable
{
    readonly Trainer trainer;

    public required StepClock Clock { get; init; }
    public required TensorBatchSource Source { get; init; }
    public required TrainResult Result { get; init; }
    /// <summary>The yardstick samples taken between timed steps.</summary>
    public required IReadOnlyList<MatmulMeasurement> Yardsticks { get; init; }
    public required long PeakSetupBytes { get; init; }
    public required long PeakTrainingBytes { get; init; }
    public required MemoryBreakdown Memory { get; init; }

    TimedTraining(Trainer trainer) => this.trainer = trainer;

    public static TimedTraining Run(BenchmarkOptions options, ConfigTree config, Denoiser denoiser, ImageDataset train,
        IReadOnlyList<ImageDataset> held, TrainOptions trainOptions, int threads, MatmulOperands yardstick, string scratch)
    {
        // The yardstick is also sampled between timed steps (outside their timing), at the thread count it was
        // measured with: on a shared VM the machine's speed drifts within a run, and a yardstick taken only
        // before and after can catch a slow moment and flatter the ratio. Its operands exist before the warm-up,
        // so sampling it allocates nothing inside the RSS measurement.
        var during = new List<MatmulMeasurement>();
        var clock = new StepClock(options.WarmupSteps, options.RssSampleEvery, options.YardstickEvery, () =>
        {
            int replicaThreads = torch.get_num_threads();
            torch.set_num_threads(threads);
            try { during.Add(yardstick.Measure(repeats: 2)); }
            finally { torch.set_num_threads(replicaThreads); }
        });
        var source = new TensorBatchSource(train.Images, train.Labels, trainOptions.BatchSize, trainOptions.Seed);
        var trainer = new Trainer(trainOptions, Path.Combine(scratch, "run"), clock);
        try
        {
            long peakSetup = ProcessMemory.PeakResidentBytes() ?? 0;
            bool peakReset = ProcessMemory.ResetPeak();
            var result = trainer.Run(denoiser, source, PretrainObjective.For(denoiser, config, CPU));
            // the kernel updates VmHWM lazily (per-thread RSS counters), so it can lag the last VmRSS sample
            long peakTraining = Math.Max(peakReset ? ProcessMemory.PeakResidentBytes() ?? 0 : 0, clock.RssEnd);
            var retained = NativeHeap.Now()?.FreeHeldBytes;
            var activations = MemoryBreakdown.ActivationsMb(denoiser, source.Get(0, 0), trainOptions.Replicas, trainOptions.Seed,
                PretrainObjective.For(denoiser, config, CPU));
            var memory = new MemoryBreakdown(
                peakSetup / MemoryBreakdown.Mb,
                peakTraining / MemoryBreakdown.Mb,
                held.Sum(d => d.Images.numel() * d.Images.element_size() + d.Labels.numel() * d.Labels.element_size()) / MemoryBreakdown.Mb,
                MemoryBreakdown.ParameterStateMb(denoiser, trainOptions.EmaDecay > 0),
                activations ?? double.NaN,
                trainOptions.Replicas,
                retained / MemoryBreakdown.Mb);
            return new TimedTraining(trainer)
            {
                Clock = clock, Source = source, Result = result, Yardsticks = during,
                PeakSetupBytes = peakSetup, PeakTrainingBytes = peakTraining, Memory = memory,
            };
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    public void Dispose() => trainer.Dispose();
}

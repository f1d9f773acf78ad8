using LDae.Kernels;
using LDae.Runtime;
using LDae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Benchmarks;

/// <summary>
/// Where a training run's resident memory goes (MB): the peak over the training steps and its parts. The parts are
/// measured, not inferred: the dataset and parameter tensors by their sizes, the activations by the native heap's
/// bytes in use before and after one replica's forward pass. What remains of the peak
/// (<see cref="RetainedAndOtherMb"/>) is the allocator's retention beyond the activations (fragmentation, the backward
/// pass's gradients and temporaries), the .NET runtime and libtorch's code and buffers. The free bytes glibc holds
/// after a step (<see cref="NativeHeap"/>) are reported beside it, not subtracted: they are address space, and the
/// untouched part of each arena's heaps (up to the top pad, see <see cref="MallocPolicy"/>) is not resident.
/// </summary>
/// <param name="PeakSetupMb">Peak RSS before training: data loading and the tokenizer fit (PCA, or training a learned one).</param>
/// <param name="PeakTrainingMb">Peak RSS over the training steps (the high-water mark is reset before them where Linux allows).</param>
/// <param name="DatasetMb">The images and labels held in memory (uint8 pixels, int64 labels), all splits loaded.</param>
/// <param name="ParametersAndOptimizerMb">Trainable parameters, their gradients, AdamW's two moments and the EMA copy.</param>
/// <param name="ActivationsPerReplicaMb">What one replica's forward pass keeps for its backward pass (its shard of the batch).</param>
/// <param name="AllocatorFreeMb">Free memory glibc's malloc holds after a step, all arenas, in address space (null where not glibc).</param>
public sealed record MemoryBreakdown(
    double PeakSetupMb,
    double PeakTrainingMb,
    double DatasetMb,
    double ParametersAndOptimizerMb,
    double ActivationsPerReplicaMb,
    int Replicas,
    double? AllocatorFreeMb)
{
    public double RetainedAndOtherMb => PeakTrainingMb - DatasetMb - ParametersAndOptimizerMb - Replicas * ActivationsPerReplicaMb;

    internal const double Mb = 1048576.0;

    /// <summary>Bytes of the parameters and what training keeps per parameter: gradient, AdamW's two moments, and an EMA copy when on.</summary>
    public static double ParameterStateMb(nn.Module model, bool ema)
    {
        long bytes = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel() * p.element_size());
        return bytes * (4 + (ema ? 1 : 0)) / Mb;
    }

    /// <summary>
    /// The native heap's bytes in use after one replica's forward pass minus before it, at the replicas' thread count
    /// (the backward pass then frees them, as in training). It runs on a thread of its own, which glibc gives a malloc
    /// arena a finished replica thread left, so the measurement does not grow the process. Null where not glibc.
    /// </summary>
    public static double? ActivationsMb(nn.Module model, Batch batch, int replicas, long seed, Func<Batch, Generator, StepLoss> objective)
    {
        double? result = null;
        Exception? error = null;
        int threads = DataParallel.ThreadsEach(get_num_threads(), replicas);
        var worker = new Thread(() =>
        {
            try { result = Measure(model, batch, replicas, threads, seed, objective); }
            catch (Exception e) { error = e; }
        }) { Name = "ldae-activation-memory" };
        worker.Start();
        worker.Join();
        return error is null ? result : throw new InvalidOperationException($"measuring the activations failed: {error.Message}", error);
    }

    static double? Measure(nn.Module model, Batch batch, int replicas, int threads, long seed, Func<Batch, Generator, StepLoss> objective)
    {
        int shard = DataParallel.ShardSizes(batch.Count, replicas)[0];
        var part = new Batch(batch.X.narrow(0, 0, shard), batch.Y?.narrow(0, 0, shard));
        set_num_threads(threads);
        model.train();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        if (NativeHeap.Now() is not { } before) return null;
        double activations;
        using (NewDisposeScope())
        using (Ops.DifferentiateOnce())
        using (var g = Seeding.ForShard(seed, 0, 0))
        {
            var loss = objective(part, g);
            activations = (NativeHeap.Now()!.Value.InUseBytes - before.InUseBytes) / Mb;
            loss.Loss.backward();
        }
        model.zero_grad();
        return activations;
    }
}

using LDae.Benchmarks;
using LDae.Runtime;
using LDae.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Runtime;

public class MallocPolicyTests
{
    /// <summary>
    /// The state a data-parallel run leaves: threads that allocated and freed their activations, glibc holding the
    /// memory in their arenas (the policy keeps it for the next step). Disposing the DataParallel returns it.
    /// </summary>
    [GlibcMallocFact]
    public void Disposing_data_parallel_replicas_returns_the_memory_their_arenas_hold()
    {
        TorchRuntime.EnsureLoaded();
        using var weight = new TorchSharp.Modules.Parameter(zeros(4));
        var parallel = new DataParallel([weight], replicas: 2);
        // each replica's thread allocates 48 tensors of 4 MB (below the mmap threshold: from its arena) and frees them
        var batch = new Batch(zeros(2, 1), zeros(2, ScalarType.Int64));
        parallel.ComputeGradients(batch, seed: 0, step: 0, (shard, _) =>
        {
            var held = Enumerable.Range(0, 48).Select(_ => ones(1 << 20)).ToList();
            foreach (var t in held) t.Dispose();
            return new StepLoss((weight * shard.X.sum()).sum());
        });
        long before = ProcessMemory.ResidentBytes()!.Value;
        parallel.Dispose();
        long after = ProcessMemory.ResidentBytes()!.Value;
        Assert.True(before - after > 150L << 20, $"RSS {before >> 20} MB → {after >> 20} MB");
    }
}

/// <summary>A test of glibc malloc's arenas: skipped, saying why, under another allocator or off Linux.</summary>
public sealed class GlibcMallocFactAttribute : FactAttribute
{
    public GlibcMallocFactAttribute()
    {
        Skip = LinuxOnly.SkipReason("glibc malloc's arenas");
        if (Skip is null && !MallocPolicy.Description.StartsWith("glibc malloc", StringComparison.Ordinal))
            Skip = $"needs glibc malloc's arenas; this process allocates with {MallocPolicy.Description}";
    }
}

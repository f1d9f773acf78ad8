namespace LDae.Benchmarks;

/// <summary>What to benchmark and for how long.</summary>
public sealed record BenchmarkOptions
{
    /// <summary>The final l-DAE row by default.</summary>
    public string Row { get; init; } = "table3/predict-original-image";
    public string Profile { get; init; } = "quick";
    /// <summary>Timed training steps (after the warm-up); the RSS growth is measured over these.</summary>
    public int Steps { get; init; } = 500;
    public int WarmupSteps { get; init; } = 20;
    /// <summary>Torch intra-op threads; null = the profile's train.threads (what a row run uses).</summary>
    public int? Threads { get; init; }
    /// <summary>Data-parallel replicas (see <see cref="DataParallel"/>); null = the profile's train.replicas.</summary>
    public int? Replicas { get; init; }
    /// <summary>train.precision of the benchmarked step ("fp32" or "bf16"); null = the row's. With bf16 the
    /// report adds the bf16 matmul as the yardstick of the step's products.</summary>
    public string? Precision { get; init; }
    /// <summary>Side of the square fp32 matmul used as the machine's yardstick.</summary>
    public int MatmulSize { get; init; } = 2048;
    public int MatmulRepeats { get; init; } = 5;
    /// <summary>Seconds each of the step's product shapes is timed (see <see cref="StepGemms"/>).</summary>
    public double StepGemmSeconds { get; init; } = 0.6;
    /// <summary>Images pushed through the frozen encoder to time probe feature extraction (capped at the training set).</summary>
    public int ProbeImages { get; init; } = 10000;
    public int RssSampleEvery { get; init; } = 50;
    /// <summary>Timed steps between two extra yardstick samples (two 2048² products each) taken during training.</summary>
    public int YardstickEvery { get; init; } = 100;
    /// <summary>Steps timed phase by phase (forward, backward, optimizer) after the main measurement.</summary>
    public int BreakdownSteps { get; init; } = 30;
    /// <summary>"passive", "active" or "bounded" to set libgomp's wait policy (see <see cref="OpenMpWaitPolicy"/>); null = the environment's.
    /// Only <see cref="TrainingBenchmark.RunRow"/> applies it, before torch is loaded.</summary>
    public string? OpenMpWait { get; init; }

    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"--steps must be ≥ 1, got {Steps}");
        if (WarmupSteps < 1) throw new ArgumentException($"warm-up must be ≥ 1 step, got {WarmupSteps}");
        if (Threads is < 1) throw new ArgumentException($"--threads must be ≥ 1, got {Threads}");
        if (Replicas is < 1) throw new ArgumentException($"--replicas must be ≥ 1, got {Replicas}");
        if (MatmulSize < 1 || MatmulRepeats < 1 || ProbeImages < 1 || RssSampleEvery < 1 || BreakdownSteps < 1 || YardstickEvery < 1 || !(StepGemmSeconds > 0))
            throw new ArgumentException("matmul size/repeats, the step's product timing, probe images, the RSS sampling and yardstick intervals and breakdown steps must be positive");
    }
}

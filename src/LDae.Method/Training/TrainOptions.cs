namespace LDae.Training;

/// <summary>
/// Everything that defines an optimisation run (the schedule, optimizer and bookkeeping), independent of the
/// model and the data. Defaults follow MAE's pre-training recipe (AdamW β = (0.9, 0.95), weight decay 0.05,
/// base lr 1.5e-4 with the ×batch/256 rule, cosine decay).
/// </summary>
public sealed record TrainOptions
{
    /// <summary>Length in epochs (× the batch source's steps per epoch). Set exactly one of Epochs / TotalSteps.</summary>
    public int? Epochs { get; init; }

    /// <summary>Length in optimizer steps. Set exactly one of Epochs / TotalSteps.</summary>
    public long? TotalSteps { get; init; }

    /// <summary>Images per optimizer step; must equal the batch source's batch size (it also drives <see cref="LrScaling"/>).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Base learning rate, turned into the peak lr by <see cref="LrScaling"/>.</summary>
    public double BaseLr { get; init; } = 1.5e-4;

    public LrScaling LrScaling { get; init; } = LrScaling.Linear256;

    /// <summary>Warm-up length in steps. At most one of WarmupSteps / WarmupEpochs; neither means no warm-up.</summary>
    public long? WarmupSteps { get; init; }

    /// <summary>Warm-up length in (possibly fractional) epochs, rounded to steps.</summary>
    public double? WarmupEpochs { get; init; }

    /// <summary>Floor of the cosine decay, an absolute learning rate (not scaled by the batch size), as MAE's min_lr.</summary>
    public double MinLr { get; init; }

    /// <summary>AdamW decoupled weight decay, applied to weight matrices only (see <see cref="WeightDecayGroups"/>).</summary>
    public double WeightDecay { get; init; } = 0.05;

    public double Beta1 { get; init; } = 0.9;

    /// <summary>MAE uses 0.95 rather than Adam's 0.999: faster-adapting second moments are more stable for ViTs.</summary>
    public double Beta2 { get; init; } = 0.95;

    public double AdamEps { get; init; } = 1e-8;

    /// <summary>Parameter names containing any of these substrings get no weight decay, in addition to the
    /// default rule (biases and all 1-D parameters, i.e. norm weights). MAE-style lists: "pos_embed", "cls_token".</summary>
    public IReadOnlyList<string> NoWeightDecayNames { get; init; } = [];

    /// <summary>Clip the global gradient L2 norm to this value; 0 = off.</summary>
    public double GradClip { get; init; }

    /// <summary>Decay β of the exponential moving average of the weights (warmed up, see <see cref="Ema"/>); 0 = off. When on, evaluation uses the EMA weights.</summary>
    public double EmaDecay { get; init; }

    /// <summary>Data-parallel replicas per step (see <see cref="DataParallel"/>): the batch is split into this many
    /// shards computed on their own threads, with the torch threads divided among them. Part of what defines the
    /// run: each shard draws its own noise.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>The element type of the forward pass's products (see <see cref="Kernels.Autocast"/>); parameters,
    /// optimizer state, EMA and loss are float32 either way.</summary>
    public Kernels.ComputePrecision Precision { get; init; } = Kernels.ComputePrecision.Fp32;

    /// <summary>Root of every random draw of the run (see <see cref="Seeding"/>).</summary>
    public long Seed { get; init; }

    /// <summary>Write a resumable checkpoint every this many steps (0 = only when the run stops or ends).</summary>
    public int CheckpointEverySteps { get; init; } = 1000;

    /// <summary>Append one line to log.jsonl every this many steps (and at the last step).</summary>
    public int LogEverySteps { get; init; } = 50;

    /// <summary>TrainResult.FinalLoss is the mean of this many last logged losses.</summary>
    public int FinalLossWindow { get; init; } = 5;

    /// <summary>Stop (with a checkpoint) once the run has completed this many steps in total; for tests and for
    /// splitting a long run over several processes. Not part of what defines the run.</summary>
    public long? StopAfterSteps { get; init; }

    /// <summary>The peak learning rate after scaling.</summary>
    public double PeakLr => LrScaling.PeakLr(BaseLr, BatchSize);

    public long ResolveTotalSteps(int stepsPerEpoch)
    {
        if (Epochs.HasValue == TotalSteps.HasValue)
            throw new ArgumentException("set exactly one of TrainOptions.Epochs and TrainOptions.TotalSteps");
        long total = TotalSteps ?? (long)Epochs!.Value * stepsPerEpoch;
        if (total <= 0) throw new ArgumentException($"the run has {total} steps");
        return total;
    }

    public long ResolveWarmupSteps(int stepsPerEpoch)
    {
        if (WarmupSteps.HasValue && WarmupEpochs.HasValue)
            throw new ArgumentException("set at most one of TrainOptions.WarmupSteps and TrainOptions.WarmupEpochs");
        return WarmupSteps ?? (long)Math.Round((WarmupEpochs ?? 0) * stepsPerEpoch);
    }

    public LearningRateSchedule Schedule(int stepsPerEpoch) =>
        new(PeakLr, MinLr, ResolveWarmupSteps(stepsPerEpoch), ResolveTotalSteps(stepsPerEpoch));

    /// <summary>The options that must not change between a checkpoint and its resumption, as a stable string.</summary>
    internal string Fingerprint() => string.Join("|",
        Epochs, TotalSteps, BatchSize, BaseLr.ToString("R"), LrScaling, WarmupSteps, WarmupEpochs?.ToString("R"),
        MinLr.ToString("R"), WeightDecay.ToString("R"), Beta1.ToString("R"), Beta2.ToString("R"), AdamEps.ToString("R"),
        string.Join(",", NoWeightDecayNames), GradClip.ToString("R"), EmaDecay.ToString("R"), Seed) + (Replicas == 1 ? "" : $"|replicas {Replicas}")
        + (Precision == Kernels.ComputePrecision.Fp32 ? "" : $"|precision {Precision}");
}

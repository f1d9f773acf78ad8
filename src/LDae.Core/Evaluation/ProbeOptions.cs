using LDae.Training;

namespace LDae.Evaluation;

/// <summary>
/// Linear-probe recipe. MAE's protocol (BatchNorm without affine + one linear layer, 90 epochs, 10 warm-up,
/// cosine decay, no weight decay, head init trunc-normal std 0.01) with one substitution: SGD with momentum 0.9
/// instead of LARS. MAE needs LARS for its batch of 16384 on 1.28 M images; our probes run on a cached feature
/// matrix of a much smaller dataset with ordinary batch sizes, where plain momentum SGD on BN-standardised inputs
/// is the standard, well-conditioned choice (a convex problem: the optimizer only changes how fast we get there).
/// </summary>
public sealed record ProbeOptions
{
    public int Epochs { get; init; } = 90;
    public double WarmupEpochs { get; init; } = 10;

    /// <summary>Examples per step (capped at the training-set size); the last partial batch of an epoch is dropped.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>Base lr; the peak is BaseLr × BatchSize / 256 under <see cref="LrScaling.Linear256"/> (MAE's rule).</summary>
    public double BaseLr { get; init; } = 0.1;
    public LrScaling LrScaling { get; init; } = LrScaling.Linear256;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; }

    /// <summary>BatchNorm epsilon (MAE: 1e-6).</summary>
    public double BnEps { get; init; } = 1e-6;

    /// <summary>Std of the truncated-normal init of the linear weights (MAE: 0.01); the bias starts at 0.</summary>
    public double InitStd { get; init; } = 0.01;

    /// <summary>Seeds the head's init and the per-epoch shuffles.</summary>
    public long Seed { get; init; }
}

/// <summary>Top-1 accuracies (fractions in [0, 1]) of a trained probe.</summary>
public sealed record ProbeResult(double TrainTop1, double TestTop1, double FinalTrainLoss, long Steps, double PeakLr);

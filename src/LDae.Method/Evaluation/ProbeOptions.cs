using LDae.Training;

namespace LDae.Evaluation;

/// <summary>The optimizer of the linear probe.</summary>
public enum ProbeOptimizer
{
    /// <summary>SGD with momentum (TorchSharp's).</summary>
    Sgd,

    /// <summary>LARS as in MAE's linear probe (<see cref="Lars"/>).</summary>
    Lars,
}

/// <summary>
/// Linear-probe recipe: MAE's protocol (BatchNorm without affine + one linear layer, 90 epochs, 10 warm-up,
/// cosine decay, no weight decay, head init trunc-normal std 0.01, base lr 0.1 × batch/256, momentum 0.9) with
/// LARS (the `paper` profile: batch 16384, so lr 6.4) or momentum SGD.
/// </summary>
/// <remarks>
/// Why the small profiles keep momentum SGD: MAE needs LARS for its batch of 16384 on 1.28 M images. LARS makes
/// the learning rate a relative change of the weight matrix per step (its trust ratio η‖w‖/‖g‖ with η = 0.001),
/// tuned together with that batch and step count; at our batches of 256–1024 and a few thousand steps the same
/// base lr would move the head by a fraction of that. On BatchNorm-standardised features the probe is a
/// well-conditioned convex problem, where momentum SGD at base lr 0.1 × batch/256 is the standard choice and the
/// optimizer only changes how fast the optimum is reached.
/// </remarks>
public sealed record ProbeOptions
{
    public int Epochs { get; init; } = 90;
    public double WarmupEpochs { get; init; } = 10;

    /// <summary>Examples per step (capped at the training-set size); the last partial batch of an epoch is dropped.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>Base lr; the peak is BaseLr × BatchSize / 256 under <see cref="LrScaling.Linear256"/> (MAE's rule).</summary>
    public double BaseLr { get; init; } = 0.1;
    public LrScaling LrScaling { get; init; } = LrScaling.Linear256;
    public ProbeOptimizer Optimizer { get; init; } = ProbeOptimizer.Sgd;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; }

    /// <summary>LARS's trust coefficient η (MAE: 0.001); unused by SGD.</summary>
    public double TrustCoefficient { get; init; } = Lars.DefaultTrustCoefficient;

    /// <summary>BatchNorm epsilon (MAE: 1e-6).</summary>
    public double BnEps { get; init; } = 1e-6;

    /// <summary>Std of the truncated-normal init of the linear weights (MAE: 0.01); the bias starts at 0.</summary>
    public double InitStd { get; init; } = 0.01;

    /// <summary>Seeds the head's init and the per-epoch shuffles.</summary>
    public long Seed { get; init; }
}

/// <summary>Top-1 accuracies (fractions in [0, 1]) of a trained probe.</summary>
public sealed record ProbeResult(double TrainTop1, double TestTop1, double FinalTrainLoss, long Steps, double PeakLr);

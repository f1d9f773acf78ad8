using LDae.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Objectives;

/// <summary>
/// Per-timestep loss weight λ_t. ε-prediction: λ = 1. Clean-data and original-image prediction:
/// λ_t = γ_t² of the variance-preserving basis schedule = SNR/(1 + SNR), which is bounded in [0, 1], 1 for a
/// clean input and 0 at pure noise — "gives cleaner inputs more weight".
/// </summary>
/// <remarks>
/// Why: with ẑ = (x_t − σ_t ε̂)/γ_t, the ε-prediction MSE is ‖ε − ε̂‖² = (γ_t²/σ_t²)‖z − ẑ‖² = SNR_t·‖z − ẑ‖²,
/// so ε-prediction is itself a clean-data loss that weights clean inputs heavily — but without bound
/// (SNR → ∞ as t → 0). Predicting z with λ = SNR/(1 + SNR) keeps that ordering while staying bounded.
/// Without input scaling the same γ² of the basis schedule is used (same SNR per step); with a single noise
/// level there is nothing to weigh, λ = 1. The schedule provides these values as
/// <see cref="NoiseSchedule.VariancePreservingSignal"/>.
/// </remarks>
public static class LossWeighting
{
    /// <summary>λ_t for a batch of timesteps (N) → float32 N.</summary>
    public static Tensor Weight(Prediction prediction, NoiseSchedule schedule, Tensor t) =>
        prediction == Prediction.Epsilon
            ? ones([t.shape[0]], ScalarType.Float32, device: t.device)
            : schedule.VariancePreservingSignal(t);

    /// <summary>λ_t for one timestep.</summary>
    public static double WeightAt(Prediction prediction, NoiseSchedule schedule, int t) =>
        prediction == Prediction.Epsilon ? 1.0 : schedule.VariancePreservingSignalAt(t);
}

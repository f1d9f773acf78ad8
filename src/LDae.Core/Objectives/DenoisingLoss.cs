using LDae.Diffusion;
using LDae.Tokenizers;
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

/// <summary>The weighted regression losses of the denoising objective.</summary>
public static class DenoisingLoss
{
    /// <summary>Mean squared error per sample: mean over all but the first dimension → N.</summary>
    public static Tensor PerSampleMse(Tensor prediction, Tensor target)
    {
        using var scope = NewDisposeScope();
        var err = (prediction - target).square();
        return err.reshape(err.shape[0], -1).mean([1]).MoveToOuterDisposeScope();
    }

    /// <summary>Latent target (ε or z): Total = mean_n λ_n·MSE_n.</summary>
    public static LossParts Latent(Tensor prediction, Tensor target, Tensor weight)
    {
        using var scope = NewDisposeScope();
        var total = (weight * PerSampleMse(prediction, target)).mean();
        return new LossParts(total.MoveToOuterDisposeScope(), null, null);
    }

    /// <summary>
    /// Original-image target. The pixel error e = x̂ − x is split by the orthogonal projection P Pᵀ of the
    /// PCA into the part inside the latent subspace and the residual outside it; as the two are orthogonal,
    /// MSE(e) = MSE(P Pᵀ e) + MSE((I − P Pᵀ) e) exactly. Total = mean λ·(inside + w·residual), reported parts
    /// are mean λ·inside and mean λ·residual (so at w = 1 and λ = 1 Total is the plain pixel MSE).
    /// </summary>
    public static LossParts OriginalImage(Tensor predictedImage, Tensor image, Tensor weight, double residualWeight, PatchPcaTokenizer pca)
    {
        using var scope = NewDisposeScope();
        var error = predictedImage - image;
        var inside = pca.ProjectToSubspace(error);
        var outside = error - inside;
        var subspace = (weight * MeanSquare(inside)).mean();
        var residual = (weight * MeanSquare(outside)).mean();
        var total = subspace + residualWeight * residual;
        return new LossParts(total.MoveToOuterDisposeScope(), subspace.MoveToOuterDisposeScope(), residual.MoveToOuterDisposeScope());
    }

    static Tensor MeanSquare(Tensor x) => x.square().reshape(x.shape[0], -1).mean([1]);
}

/// <summary>
/// The loss of one batch (scalars). For original-image prediction, <see cref="Subspace"/> and
/// <see cref="Residual"/> are the (timestep-weighted) pixel MSE of the error inside and outside the PCA
/// subspace, and Total = Subspace + ResidualWeight·Residual; otherwise both are null.
/// </summary>
public sealed record LossParts(Tensor Total, Tensor? Subspace, Tensor? Residual) : IDisposable
{
    public void Dispose()
    {
        Total.Dispose();
        Subspace?.Dispose();
        Residual?.Dispose();
    }
}

using LDae.Diffusion;
using LDae.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Objectives;

/// <summary>
/// Per-timestep loss weight λ_t (the paper, Table 3). ε-prediction: λ = 1 (DiT's loss). Every clean-data target
/// (the clean latent, its image, the original image): λ_t = γ_t²/(γ_t² + σ_t²) = SNR/(1 + SNR), bounded in
/// [0, 1], 1 for a clean input and 0 at pure noise — "more weight to the loss terms of the cleaner data".
/// </summary>
/// <remarks>
/// The paper gives λ_t twice, and both are this one formula: with input scaling (γ_t² + σ_t² = 1) it is
/// "λ_t = γ_t²" of "predict clean data"; with γ ≡ 1 it is "λ_t = 1/(1 + σ_t²)" of "remove input scaling"
/// (σ_t linear from 0 to √2). For a single noise level it is the constant 1/(1 + σ²). The schedule provides
/// it as <see cref="NoiseSchedule.SignalFraction"/>.
/// </remarks>
public static class LossWeighting
{
    /// <summary>λ_t for a batch of timesteps (N) → float32 N.</summary>
    public static Tensor Weight(Prediction prediction, NoiseSchedule schedule, Tensor t) =>
        prediction == Prediction.Epsilon
            ? ones([t.shape[0]], ScalarType.Float32, device: t.device)
            : schedule.SignalFraction(t);

    /// <summary>λ_t for one timestep.</summary>
    public static double WeightAt(Prediction prediction, NoiseSchedule schedule, int t) =>
        prediction == Prediction.Epsilon ? 1.0 : schedule.SignalFractionAt(t);
}

/// <summary>
/// The weighted regression losses of the denoising objective, one per output space: a latent target (ε or the
/// clean latent z₀) and an image target (invPCA(z₀) or the original image x₀).
/// </summary>
public static class DenoisingLoss
{
    /// <summary>Mean squared error per sample: mean over all but the first dimension → N.</summary>
    public static Tensor PerSampleMse(Tensor prediction, Tensor target)
    {
        using var scope = NewDisposeScope();
        var err = (prediction - target).square();
        return err.reshape(err.shape[0], -1).mean([1]).MoveToOuterDisposeScope();
    }

    /// <summary>Latent target (ε or z₀), the paper's λ_t‖z₀ − net(z_t)‖²: Total = mean_n λ_n·MSE_n.</summary>
    public static LossParts Latent(Tensor prediction, Tensor target, Tensor weight)
    {
        using var scope = NewDisposeScope();
        var total = (weight * PerSampleMse(prediction, target)).mean();
        return new LossParts(total.MoveToOuterDisposeScope(), null, null);
    }

    /// <summary>
    /// Image target, the paper's Eq. 4: λ_t Σᵢ wᵢ rᵢ² with r = V(x_target − x̂) per patch, V the full D×D PCA
    /// basis, wᵢ = 1 for the d kept directions (i ≤ d) and <paramref name="residualWeight"/> for the D − d others.
    /// </summary>
    /// <remarks>
    /// <para>The two image-output rows of Table 3 are this loss with two settings. "Operate on image output":
    /// target invPCA(z₀), weight 1 — the plain pixel MSE against the inverse PCA of the clean latent, so the
    /// part of the output outside the PCA subspace is penalised as much as the part inside. "Predict original
    /// image": target x₀, weight 0.1 — the PCA reconstruction error is down-weighted.</para>
    /// <para>As V is orthonormal, Σ_{i≤d} rᵢ² = ‖P Pᵀ e‖² and Σ_{i>d} rᵢ² = ‖(I − P Pᵀ) e‖² for e = x_target − x̂
    /// and P the D×d kept basis, so the D×D basis is never formed. Sums are taken as means over the C·H·W
    /// values of an image (a constant factor). Total = mean λ·(inside + w·outside); the parts reported are
    /// mean λ·inside and mean λ·outside, so at w = 1 and λ = 1 Total is the plain pixel MSE.</para>
    /// </remarks>
    public static LossParts Image(Tensor predictedImage, Tensor targetImage, Tensor weight, double residualWeight, PatchPcaTokenizer pca)
    {
        using var scope = NewDisposeScope();
        var error = predictedImage - targetImage;
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
/// The loss of one batch (scalars). For an image target, <see cref="Subspace"/> and <see cref="Residual"/> are
/// the (timestep-weighted) pixel MSE of the error inside and outside the PCA subspace, and
/// Total = Subspace + ResidualWeight·Residual; for a latent target both are null.
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

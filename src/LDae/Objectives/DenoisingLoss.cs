using LDae.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Objectives;

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

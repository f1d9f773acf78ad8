using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// The VAE posterior q(z|x) = N(μ, diag(exp(log σ²))) per latent value: reparameterised sampling and the KL
/// divergence to the prior N(0, I).
/// </summary>
public static class DiagonalGaussian
{
    /// <summary>z = μ + σ ε with ε ~ N(0, I) drawn from <paramref name="g"/>: differentiable in μ and log σ².</summary>
    public static Tensor Sample(Tensor mean, Tensor logVar, Generator g)
    {
        using var scope = NewDisposeScope();
        var eps = randn(mean.shape, dtype: mean.dtype, device: mean.device, generator: g);
        return (mean + (0.5 * logVar).exp() * eps).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// KL(q ‖ N(0, I)) per sample, summed over all latent values: ½ Σ (μ² + σ² − 1 − log σ²). Zero exactly when
    /// μ = 0 and log σ² = 0, positive otherwise. Returns a vector of N values.
    /// </summary>
    public static Tensor Kl(Tensor mean, Tensor logVar)
    {
        using var scope = NewDisposeScope();
        var perValue = mean.square() + logVar.exp() - 1 - logVar;
        return (0.5 * perValue.flatten(1).sum(1)).MoveToOuterDisposeScope();
    }
}

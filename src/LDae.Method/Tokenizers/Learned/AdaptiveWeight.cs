using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// VQGAN's adaptive weight for the adversarial term: λ = ‖∇_L rec‖ / (‖∇_L g‖ + 10⁻⁴), clamped to [0, 10⁴] and
/// detached, where L is the weight of the decoder's last layer, rec the reconstruction (+ perceptual) loss and g
/// the generator loss. It balances the two gradients at the point where they meet, so the adversarial term
/// neither dominates nor vanishes as their scales drift during training.
/// </summary>
public static class AdaptiveWeight
{
    public const double Epsilon = 1e-4;
    public const double Max = 1e4;

    /// <summary>λ (a plain number; no gradient flows through it). Both graphs are kept for the later backward pass.</summary>
    public static double Compute(Tensor reconstructionLoss, Tensor generatorLoss, Tensor lastLayerWeight)
    {
        using var scope = NewDisposeScope();
        var recGrad = autograd.grad([reconstructionLoss], [lastLayerWeight], retain_graph: true)[0];
        var genGrad = autograd.grad([generatorLoss], [lastLayerWeight], retain_graph: true)[0];
        double ratio = recGrad.norm().item<float>() / (genGrad.norm().item<float>() + Epsilon);
        return Math.Clamp(ratio, 0, Max);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>The hinge adversarial losses VQGAN trains its PatchGAN with (on the discriminator's logits).</summary>
public static class HingeGanLoss
{
    /// <summary>
    /// Discriminator loss mean(relu(1 − D(real))) + mean(relu(1 + D(fake))): zero once real logits are ≥ 1 and
    /// fake logits ≤ −1. (VQGAN multiplies this by ½, which only rescales the discriminator's gradient.)
    /// </summary>
    public static Tensor Discriminator(Tensor realLogits, Tensor fakeLogits)
    {
        using var scope = NewDisposeScope();
        var loss = nn.functional.relu(1.0 - realLogits).mean() + nn.functional.relu(1.0 + fakeLogits).mean();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Generator (decoder) loss −mean(D(fake)): push reconstructions toward what D scores as real.</summary>
    public static Tensor Generator(Tensor fakeLogits)
    {
        using var scope = NewDisposeScope();
        return (-fakeLogits.mean()).MoveToOuterDisposeScope();
    }
}

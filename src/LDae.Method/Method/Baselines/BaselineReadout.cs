using static TorchSharp.torch;

namespace LDae.Method.Baselines;

/// <summary>
/// What the probe and fine-tuning read of a baseline (MAE, MoCo v3): its ViT encoder on the whole image, unmasked, one
/// view. The readout's t and noisy-input settings describe a denoiser's input and do not apply here.
/// </summary>
public static class BaselineReadout
{
    /// <summary>
    /// The baseline's encoder is the l-DAE encoder half alone, so the row's probe.blocks (depth/2 + probe.split) counts
    /// the same blocks: the default (split 0) is the whole encoder; a readout beyond it does not exist.
    /// </summary>
    public static int Blocks(ProbeReadout? readout, VitEncoder encoder) => readout?.Blocks ?? encoder.Depth;

    /// <summary>The encoder's tokens after the read blocks, mean-pooled unless <paramref name="meanPool"/> is false; no gradients.</summary>
    public static Tensor Features(VitEncoder encoder, Tensor images, ProbeReadout? readout, bool meanPool)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var tokens = encoder.Forward(images, Blocks(readout, encoder));
        return (meanPool ? tokens.mean([1]) : tokens).MoveToOuterDisposeScope();
    }

    /// <summary>The encoder's tokens after the read blocks, with gradients (fine-tuning).</summary>
    public static Tensor Tokens(VitEncoder encoder, Tensor images, ProbeReadout readout) => encoder.Forward(images, Blocks(readout, encoder));
}

namespace LDae.Models;

/// <summary>
/// Forward FLOPs per image of a <see cref="DiffusionTransformer"/>, counted from shapes as 2 × multiply-adds
/// of every matmul/conv: patch embedding, the timestep MLP, per block qkv + attention (QKᵀ and AV) +
/// output projection + MLP + adaLN regression, and the final layer. Norms, activations, softmax and
/// embedding look-ups are not counted. (DiT's "Gflops" are multiply-adds: this is twice them; DiT-XL/2 at
/// 256² gives 2 × 118.6 G.)
/// </summary>
public static class BackboneFlops
{
    public static double PerImage(BackboneOptions o)
    {
        o.Validate();
        double l = o.TokenCount, w = o.Width, c = o.ConditioningWidth, k2 = (double)o.Patch * o.Patch;
        double macs = l * o.InChannels * k2 * w;                            // patch embedding
        if (o.UsesConditioning)
            macs += TimestepEmbedder.FrequencyDim * c + c * c;             // timestep MLP, once per image
        for (int i = 0; i < o.Depth; i++)
        {
            macs += l * (3 * w * w + w * w);                                 // qkv, output projection
            macs += 2 * l * l * w;                                           // QKᵀ and attention·V over all heads
            macs += l * 2 * w * o.MlpHidden;                                 // MLP
            if (o.IsConditionedBlock(i)) macs += c * 6 * w;                  // adaLN regression, once per image
        }
        macs += l * w * k2 * o.OutChannels;                                  // final linear
        if (o.IsFinalLayerConditioned) macs += c * 2 * w;
        return 2 * macs;
    }
}

using TorchSharp.Modules;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// Forward FLOPs of the learned tokenizers' convolutions, counted from shapes as 2 × multiply-adds (the convention of
/// <see cref="Models.BackboneFlops"/>): a conv costs 2 · C_out · C_in/groups · k_h · k_w per output position. Norms,
/// activations, upsampling copies and losses are not counted. Each network adds up its own convs with the spatial
/// size it runs them at (<c>ForwardFlops</c> on <see cref="ConvEncoder"/>, <see cref="ConvDecoder"/>,
/// <see cref="PerceptualNetwork"/>, <see cref="PatchDiscriminator"/>).
/// </summary>
public static class ConvFlops
{
    /// <summary>Side of a conv's square output for a square input of side <paramref name="inputSize"/>.</summary>
    public static int OutputSize(Conv2d conv, int inputSize) =>
        (int)((inputSize + 2 * (conv.padding ?? [0])[0] - conv.dilation[0] * (conv.kernel_size[0] - 1) - 1) / conv.stride[0] + 1);

    /// <summary>FLOPs of one image through <paramref name="conv"/> at input side <paramref name="inputSize"/>.</summary>
    public static double Of(Conv2d conv, int inputSize)
    {
        double outputs = (double)OutputSize(conv, inputSize) * OutputSize(conv, inputSize);
        return 2.0 * conv.weight!.numel() * outputs;
    }

    /// <summary>
    /// Forward FLOPs per image of a learned tokenizer's encoder + decoder on images of side <paramref name="imageSize"/>.
    /// The conv VAE counts layer by layer; the patch-wise models apply each weight once per patch (a p×p conv of
    /// stride p on the image, 1×1 convs on the latent grid), so they cost 2 · Σ weights · patches.
    /// </summary>
    public static double TokenizerPerImage(LearnedTokenizer tokenizer, int imageSize)
    {
        if (tokenizer is ConvVae vae) return vae.ForwardFlops(imageSize);
        double patches = (double)(imageSize / tokenizer.Patch) * (imageSize / tokenizer.Patch);
        double weights = tokenizer.parameters().Where(p => p.dim() >= 2).Sum(p => (double)p.numel());
        return 2 * weights * patches;
    }
}

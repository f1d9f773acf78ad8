using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers;

/// <summary>
/// No learned tokenizer: the latent is the image itself (pixel-space DDM), optionally resized to 1/f of its side
/// first — the paper's "pixel-based tokenizer" of Fig. 5 (an identity on patches of resized images). A latent
/// cell is one pixel of the resized image (Patch = f, d per cell = C); the backbone's own patch size p/f groups
/// cells into tokens, so the token count stays that of patch p on the full image while the dimension per token,
/// (p/f)²·C, shrinks with f.
/// </summary>
/// <remarks>Encode resizes by area averaging (f×f mean pooling, the anti-aliased integer down-scaling); Decode
/// repeats every pixel f×f times (for figures; no loss is measured there).</remarks>
public sealed class PixelTokenizer : ITokenizer
{
    public PixelTokenizer(int imageChannels, int downscale = 1)
    {
        if (imageChannels < 1) throw new ArgumentOutOfRangeException(nameof(imageChannels));
        if (downscale < 1) throw new ArgumentOutOfRangeException(nameof(downscale), $"down-scaling must be ≥ 1, got {downscale}");
        ImageChannels = imageChannels;
        Downscale = downscale;
    }

    public string Kind => "pixels";

    /// <summary>The down-scaling factor f: one latent cell per f×f pixels.</summary>
    public int Downscale { get; }

    public int Patch => Downscale;
    public int LatentDim => ImageChannels;
    public int ImageChannels { get; }

    // alias(): a new handle on the same storage, so the caller may dispose input and output independently.
    public Tensor Encode(Tensor images)
    {
        Check(images);
        if (Downscale == 1) return images.alias();
        if (images.shape[2] % Downscale != 0 || images.shape[3] % Downscale != 0)
            throw new ArgumentException($"image size {images.shape[2]}×{images.shape[3]} is not divisible by the down-scaling {Downscale}");
        return nn.functional.avg_pool2d(images, Downscale, Downscale);
    }

    public Tensor Decode(Tensor latent)
    {
        Check(latent);
        if (Downscale == 1) return latent.alias();
        using var scope = NewDisposeScope();
        return latent.repeat_interleave(Downscale, 2).repeat_interleave(Downscale, 3).MoveToOuterDisposeScope();
    }

    void Check(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != ImageChannels)
            throw new ArgumentException($"expected N×{ImageChannels}×H×W, got shape [{string.Join(",", x.shape)}]");
    }

    public void Dispose() { }
}

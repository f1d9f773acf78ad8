using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers;

/// <summary>
/// No tokenizer: the latent is the image itself (pixel-space DDM). Patch = 1 and d = C; the backbone's own
/// patch size decides how pixels are grouped into tokens.
/// </summary>
public sealed class PixelTokenizer : ITokenizer
{
    public PixelTokenizer(int imageChannels)
    {
        if (imageChannels < 1) throw new ArgumentOutOfRangeException(nameof(imageChannels));
        ImageChannels = imageChannels;
    }

    public string Kind => "pixels";
    public int Patch => 1;
    public int LatentDim => ImageChannels;
    public int ImageChannels { get; }

    // alias(): a new handle on the same storage, so the caller may dispose input and output independently.
    public Tensor Encode(Tensor images) => Check(images).alias();
    public Tensor Decode(Tensor latent) => Check(latent).alias();

    Tensor Check(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != ImageChannels)
            throw new ArgumentException($"expected N×{ImageChannels}×H×W, got shape [{string.Join(",", x.shape)}]");
        return x;
    }

    public void Dispose() { }
}

using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers;

/// <summary>
/// A tokenizer maps images to the latent space in which the noise is added, and back. It is frozen while
/// the denoiser trains. Conv VAE, patch-wise VAE, patch-wise AE and patch-wise PCA (the paper's Table 2
/// family) and the identity (pixel-space DDM) all fit this shape.
/// </summary>
public interface ITokenizer : IDisposable
{
    /// <summary>Short name for logs and configs, e.g. "pixels", "patch-pca".</summary>
    string Kind { get; }

    /// <summary>Pixels per latent cell side (the downsampling factor p): a latent grid is H/p × W/p.</summary>
    int Patch { get; }

    /// <summary>Latent dimension per cell (d).</summary>
    int LatentDim { get; }

    /// <summary>Channels of the images it encodes (C).</summary>
    int ImageChannels { get; }

    /// <summary>Images N×C×H×W, float in [-1, 1] → latent grid N×d×(H/p)×(W/p).</summary>
    Tensor Encode(Tensor images);

    /// <summary>Latent grid N×d×h×w → images N×C×(h·p)×(w·p).</summary>
    Tensor Decode(Tensor latent);
}

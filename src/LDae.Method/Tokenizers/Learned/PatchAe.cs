using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// Patch-wise autoencoder (the paper, Table 2, third tokenizer): the patch-wise VAE without the KL term — a linear
/// encoder V and decoder Uᵀ (d×D matrices, <see cref="PatchEncoder"/>, <see cref="PatchDecoder"/>) applied to every
/// p×p×C patch on its own, trained with the L2 reconstruction loss ∥x − UᵀVx∥². PCA is the special case VVᵀ = I,
/// U = V; this AE learns the same subspace in some other basis.
/// </summary>
public sealed class PatchAe : LearnedTokenizer
{
    public const string KindName = "patch-ae";

    readonly PatchEncoder encoder;
    readonly PatchDecoder decoder;

    public PatchAe(int patch, int latentDim, int imageChannels)
        : base(nameof(PatchAe), patch, latentDim, imageChannels)
    {
        encoder = new PatchEncoder(imageChannels, patch, latentDim);
        decoder = new PatchDecoder(latentDim, patch, imageChannels);
        RegisterComponents();
    }

    public static PatchAe Create(int patch, int latentDim, int imageChannels, Generator g)
    {
        var model = new PatchAe(patch, latentDim, imageChannels);
        model.InitializeWeights(g);
        return model;
    }

    public override string Kind => KindName;
    public override bool IsVariational => false;

    /// <summary>The encoder V, d×D.</summary>
    public Tensor EncoderMatrix => encoder.Matrix;

    /// <summary>The decoder Uᵀ, D×d.</summary>
    public Tensor DecoderMatrix => decoder.Matrix;

    public override Tensor DecoderLastLayerWeight => decoder.LastLayerWeight;

    public override (Tensor Mean, Tensor? LogVar) Posterior(Tensor images)
    {
        CheckImages(images);
        return (encoder.forward(images), null);
    }

    public override Tensor DecodeUnscaled(Tensor latent) => decoder.forward(latent);

    protected override int[] ArchitectureConfig => [];

    internal static PatchAe FromConfig(int patch, int latentDim, int channels, int[] config)
    {
        if (config.Length != 0) throw new InvalidDataException($"patch AE: expected no architecture numbers, got {config.Length}");
        return new PatchAe(patch, latentDim, channels);
    }
}

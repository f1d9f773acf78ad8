using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// Patch-wise autoencoder (paper's Table 2, third tokenizer): the patch-wise VAE without the KL term and without
/// sampling — every p×p×C patch is encoded independently to d values and decoded back. With a linear encoder
/// and decoder (hidden = 0) and an L2 loss it learns the same subspace as patch-wise PCA.
/// </summary>
public sealed class PatchAe : LearnedTokenizer
{
    public const string KindName = "patch-ae";

    readonly PatchEncoder encoder;
    readonly PatchDecoder decoder;

    /// <param name="hidden">Hidden width of the per-patch MLPs; 0 = linear encoder and decoder; null = D = p²C.</param>
    public PatchAe(int patch, int latentDim, int imageChannels, int? hidden = null)
        : base(nameof(PatchAe), patch, latentDim, imageChannels)
    {
        Hidden = hidden ?? patch * patch * imageChannels;
        encoder = new PatchEncoder(imageChannels, patch, Hidden, latentDim);
        decoder = new PatchDecoder(latentDim, Hidden, patch, imageChannels);
        RegisterComponents();
    }

    public static PatchAe Create(int patch, int latentDim, int imageChannels, int? hidden, Generator g)
    {
        var model = new PatchAe(patch, latentDim, imageChannels, hidden);
        model.InitializeWeights(g);
        return model;
    }

    public override string Kind => KindName;
    public override bool IsVariational => false;

    /// <summary>Hidden width of the per-patch MLPs (0 = linear).</summary>
    public int Hidden { get; }

    public override Tensor DecoderLastLayerWeight => decoder.LastLayerWeight;

    public override (Tensor Mean, Tensor? LogVar) Posterior(Tensor images)
    {
        CheckImages(images);
        return (encoder.forward(images), null);
    }

    public override Tensor DecodeUnscaled(Tensor latent) => decoder.forward(latent);

    protected override int[] ArchitectureConfig => [Hidden];

    internal static PatchAe FromConfig(int patch, int latentDim, int channels, int[] config)
    {
        if (config.Length != 1) throw new InvalidDataException($"patch AE: expected 1 architecture number, got {config.Length}");
        return new PatchAe(patch, latentDim, channels, config[0]);
    }
}

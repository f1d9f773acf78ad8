using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// Patch-wise VAE (paper's Table 2, second tokenizer): every p×p×C patch is encoded independently to a posterior
/// mean and log-variance of d values (<see cref="PatchEncoder"/>), decoded independently back to the patch
/// (<see cref="PatchDecoder"/>); trained with reconstruction + β·KL. The conv VAE without spatial context.
/// </summary>
public sealed class PatchVae : LearnedTokenizer
{
    public const string KindName = "patch-vae";

    readonly PatchEncoder encoder;
    readonly PatchDecoder decoder;

    /// <param name="hidden">Hidden width of the per-patch MLPs; 0 = linear encoder and decoder; null = D = p²C.</param>
    public PatchVae(int patch, int latentDim, int imageChannels, int? hidden = null)
        : base(nameof(PatchVae), patch, latentDim, imageChannels)
    {
        Hidden = hidden ?? patch * patch * imageChannels;
        encoder = new PatchEncoder(imageChannels, patch, Hidden, 2 * latentDim);
        decoder = new PatchDecoder(latentDim, Hidden, patch, imageChannels);
        RegisterComponents();
    }

    public static PatchVae Create(int patch, int latentDim, int imageChannels, int? hidden, Generator g)
    {
        var model = new PatchVae(patch, latentDim, imageChannels, hidden);
        model.InitializeWeights(g);
        return model;
    }

    public override string Kind => KindName;
    public override bool IsVariational => true;

    /// <summary>Hidden width of the per-patch MLPs (0 = linear).</summary>
    public int Hidden { get; }

    public override Tensor DecoderLastLayerWeight => decoder.LastLayerWeight;

    public override (Tensor Mean, Tensor? LogVar) Posterior(Tensor images)
    {
        CheckImages(images);
        using var scope = NewDisposeScope();
        var moments = encoder.forward(images).chunk(2, 1);
        var logVar = moments[1].clamp(-30, 20);
        return (moments[0].MoveToOuterDisposeScope(), logVar.MoveToOuterDisposeScope());
    }

    public override Tensor DecodeUnscaled(Tensor latent) => decoder.forward(latent);

    protected override int[] ArchitectureConfig => [Hidden];

    internal static PatchVae FromConfig(int patch, int latentDim, int channels, int[] config)
    {
        if (config.Length != 1) throw new InvalidDataException($"patch VAE: expected 1 architecture number, got {config.Length}");
        return new PatchVae(patch, latentDim, channels, config[0]);
    }
}

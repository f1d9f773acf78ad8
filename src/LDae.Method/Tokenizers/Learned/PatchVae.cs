using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// Patch-wise VAE (the paper, Table 2, second tokenizer): a linear encoder V and decoder Uᵀ (d×D matrices)
/// applied to every p×p×C patch on its own, trained with ∥x − UᵀVx∥² + KL[Vx | N(0, I)]. The encoder's linear map
/// gives the posterior mean Vx and, from a second d×D matrix, its log-variance (a VAE needs one; the paper's
/// formula leaves it implicit); training decodes a reparameterised sample (<see cref="DiagonalGaussian"/>).
/// </summary>
public sealed class PatchVae : LearnedTokenizer
{
    public const string KindName = "patch-vae";

    readonly PatchEncoder encoder;
    readonly PatchDecoder decoder;

    public PatchVae(int patch, int latentDim, int imageChannels)
        : base(nameof(PatchVae), patch, latentDim, imageChannels)
    {
        encoder = new PatchEncoder(imageChannels, patch, 2 * latentDim);
        decoder = new PatchDecoder(latentDim, patch, imageChannels);
        RegisterComponents();
    }

    public static PatchVae Create(int patch, int latentDim, int imageChannels, Generator g)
    {
        var model = new PatchVae(patch, latentDim, imageChannels);
        model.InitializeWeights(g);
        return model;
    }

    public override string Kind => KindName;
    public override bool IsVariational => true;

    /// <summary>The encoder V (the posterior mean's rows), d×D.</summary>
    public Tensor EncoderMatrix
    {
        get
        {
            using var scope = NewDisposeScope();
            return encoder.Matrix[..LatentDim].MoveToOuterDisposeScope();
        }
    }

    /// <summary>The decoder Uᵀ, D×d.</summary>
    public Tensor DecoderMatrix => decoder.Matrix;

    public override Tensor DecoderLastLayerWeight => decoder.LastLayerWeight;

    public override (Tensor Mean, Tensor? LogVar) Posterior(Tensor images) => GaussianPosterior(encoder, images);

    public override Tensor DecodeUnscaled(Tensor latent) => decoder.forward(latent);

    protected override int[] ArchitectureConfig => [];

    internal static PatchVae FromConfig(int patch, int latentDim, int channels, int[] config)
    {
        if (config.Length != 0) throw new InvalidDataException($"patch VAE: expected no architecture numbers, got {config.Length}");
        return new PatchVae(patch, latentDim, channels);
    }
}

using LDae.Kernels;
using LDae.Models;
using LDae.Objectives;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Method.Baselines;

/// <summary>
/// MAE (He et al. 2022), a baseline of the paper's Table 4: mask 75 % of the patches at random, run the ViT encoder
/// on the visible patches only (with their position embeddings), then a lighter decoder on the encoded visible
/// tokens plus a shared learned mask token at every masked position (with the decoder's own position embedding),
/// predicting each patch's pixels; the loss is the MSE on the masked patches only, against the normalised pixels
/// of each patch. The probe reads the encoder on the whole, unmasked image, mean-pooled (<see cref="Features"/>).
/// </summary>
public sealed class MaskedAutoencoder : nn.Module, IPretrainingMethod, IFineTunableEncoder
{
    readonly VitEncoder encoder;
    readonly Linear decoderEmbed;
    readonly Parameter maskToken;
    readonly Tensor decoderPosEmbed;                  // buffer 1×L×decoder width, fixed
    readonly ModuleList<VitBlock> decoderBlocks;
    readonly LayerNorm decoderNorm;
    readonly Linear decoderPred;

    /// <param name="decoderWidth">Decoder width (<see cref="MaeOptions.DecoderWidth"/>); its heads are the encoder's.</param>
    /// <param name="decoderDepth">Decoder blocks (<see cref="MaeOptions.DecoderDepth"/>).</param>
    public MaskedAutoencoder(int imageSize, int channels, int patch, int width, int encoderDepth, int heads, double mlpRatio,
                             int decoderWidth, int decoderDepth, MaeOptions options, Generator init)
        : base(nameof(MaskedAutoencoder))
    {
        Options = options;
        RandomMasking.KeptCount(1, options.MaskRatio); // validates the ratio
        encoder = new VitEncoder(imageSize, channels, patch, width, encoderDepth, heads, mlpRatio, init);
        decoderEmbed = nn.Linear(width, decoderWidth);
        maskToken = new Parameter(zeros(1, 1, decoderWidth));
        decoderPosEmbed = PositionEmbedding.SinCos2D(decoderWidth, imageSize / patch).unsqueeze(0);
        decoderBlocks = new ModuleList<VitBlock>(Enumerable.Range(0, decoderDepth)
            .Select(_ => new VitBlock(decoderWidth, heads, (int)(decoderWidth * mlpRatio))).ToArray());
        decoderNorm = nn.LayerNorm(decoderWidth, eps: 1e-6);
        decoderPred = nn.Linear(decoderWidth, encoder.PatchDim);
        RegisterComponents();
        VitEncoder.InitializeLinears(decoderEmbed, init);
        VitEncoder.InitializeLinears(decoderBlocks, init);
        VitEncoder.InitializeLinears(decoderPred, init);
        WeightInit.Normal(maskToken, 0.02, init);     // MAE: mask token ~ N(0, 0.02)
    }

    public MaeOptions Options { get; }
    public VitEncoder Encoder => encoder;
    public int DecoderWidth => (int)maskToken.shape[2];
    public int DecoderDepth => decoderBlocks.Count;

    /// <summary>
    /// One MAE loss: the mask (from <paramref name="g"/>), the encoder on the visible patches, the decoder on all
    /// positions, the normalised-pixel MSE on the masked patches. Labels are not used.
    /// </summary>
    public LossParts Loss(Tensor images, Tensor? labels, Generator g)
    {
        using var scope = NewDisposeScope();
        var patches = encoder.Patchify(images);                                  // N×L×D
        long n = patches.shape[0], l = patches.shape[1];
        var (kept, mask) = RandomMasking.Draw(n, (int)l, Options.MaskRatio, g, images.device);
        var tokens = encoder.Embed(patches);
        var visible = tokens.gather(1, kept.unsqueeze(-1).expand(-1, -1, tokens.shape[2]));
        var latent = encoder.Encode(visible);                                    // N×K×width
        var prediction = Decode(latent, kept, l);                                // N×L×D
        var loss = MaskedPatchLoss(prediction, Target(patches, Options.NormPixLoss), mask);
        return new LossParts(loss.MoveToOuterDisposeScope(), null, null);
    }

    /// <summary>Encoded visible tokens → mask tokens filled in at the masked positions → decoder → per-patch pixels N×L×D.</summary>
    Tensor Decode(Tensor latent, Tensor kept, long tokenCount)
    {
        using var scope = NewDisposeScope();
        var x = Autocast.Float(Autocast.Linear(decoderEmbed, latent));   // float32: scattered into the float32 mask tokens
        long n = x.shape[0], w = x.shape[2];
        var full = maskToken.expand(n, tokenCount, w).clone().scatter(1, kept.unsqueeze(-1).expand(-1, -1, w), x);
        var h = full + decoderPosEmbed;
        foreach (var block in decoderBlocks) h = block.forward(h, null);
        return Autocast.Float(Autocast.Linear(decoderPred, decoderNorm.forward(h))).MoveToOuterDisposeScope();
    }

    /// <summary>The regression target per patch: the raw pixels, or (norm_pix_loss) each patch normalised by its own mean and variance.</summary>
    public static Tensor Target(Tensor patches, bool normalise)
    {
        if (!normalise) return patches.alias();
        using var scope = NewDisposeScope();
        var mean = patches.mean([-1], keepdim: true);
        var variance = patches.var(-1, keepdim: true);                           // unbiased, as MAE's .var(dim=-1)
        return ((patches - mean) / (variance + 1e-6).sqrt()).MoveToOuterDisposeScope();
    }

    /// <summary>Mean over masked patches of the per-patch MSE: visible patches (mask 0) contribute nothing.</summary>
    public static Tensor MaskedPatchLoss(Tensor prediction, Tensor target, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var perPatch = (prediction - target).square().mean([-1]);                // N×L
        return ((perPatch * mask).sum() / mask.sum()).MoveToOuterDisposeScope();
    }

    /// <summary>The whole image through the encoder (no masking), as <see cref="BaselineReadout.Features"/> reads it.</summary>
    public Tensor Features(Tensor images, ProbeReadout? readout = null, Generator? noise = null, bool meanPool = true) =>
        BaselineReadout.Features(encoder, images, readout, meanPool);

    /// <summary>The encoder's tokens on the whole image, with gradients (fine-tuning).</summary>
    public Tensor EncoderTokens(Tensor images, ProbeReadout readout, Generator? noise) => BaselineReadout.Tokens(encoder, images, readout);

    public EncoderLayers Layers(ProbeReadout readout) => encoder.Layers(BaselineReadout.Blocks(readout, encoder));
}

using LDae.Objectives;
using LDae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Method.Baselines;

/// <summary>
/// MoCo v3 (Chen, Xie, He 2021), a baseline of the paper's Table 4: two augmented views of each image; the online
/// ViT encoder → 3-layer projection MLP → 2-layer prediction MLP gives queries q₁, q₂; a momentum encoder and
/// projector (an exponential moving average of the online ones, not trained by gradients) give keys k₁, k₂; the loss
/// is the symmetrised InfoNCE ctr(q₁, k₂) + ctr(q₂, k₁) with temperature τ = 0.2, where the other images of the
/// batch are the negatives. The probe reads the online encoder, mean-pooled, as MoCo v3's linear probe reads its base encoder.
/// </summary>
/// <remarks>
/// MoCo v3 gathers keys across devices so that every query sees the whole batch as negatives; here each
/// data-parallel shard contrasts within itself, so the number of negatives is the shard size (small on CPU).
/// </remarks>
public sealed class MoCoV3 : nn.Module, IPretrainingMethod, IFineTunableEncoder, IAfterOptimizerStep
{
    readonly VitEncoder encoder;
    readonly ProjectionMlp projector, predictor;
    readonly VitEncoder momentumEncoder;
    readonly ProjectionMlp momentumProjector;

    public MoCoV3(int imageSize, int channels, int patch, int width, int encoderDepth, int heads, double mlpRatio,
                  MoCoV3Options options, Generator init)
        : base(nameof(MoCoV3))
    {
        Options = options;
        int hidden = options.HiddenWidth(width), output = options.OutputWidth(width);
        encoder = new VitEncoder(imageSize, channels, patch, width, encoderDepth, heads, mlpRatio, init);
        projector = new ProjectionMlp(3, width, hidden, output);
        predictor = new ProjectionMlp(2, output, hidden, output);
        momentumEncoder = new VitEncoder(imageSize, channels, patch, width, encoderDepth, heads, mlpRatio, init);
        momentumProjector = new ProjectionMlp(3, width, hidden, output);
        RegisterComponents();
        VitEncoder.InitializeLinears(projector, init);
        VitEncoder.InitializeLinears(predictor, init);
        if (options.FreezePatchProjection)
            foreach (var p in encoder.PatchEmbedding.parameters()) p.requires_grad = false;
        // The momentum branch starts as a copy of the online branch and is never trained by gradients.
        using (no_grad())
            foreach (var (online, momentum) in MomentumPairs())
            {
                momentum.copy_(online);
                momentum.requires_grad = false;
            }
    }

    public MoCoV3Options Options { get; }
    public VitEncoder Encoder => encoder;
    public bool AugmentsItself => true;

    /// <summary>The symmetrised InfoNCE loss on two views drawn from <paramref name="g"/>; labels are not used.</summary>
    public LossParts Loss(Tensor images, Tensor? labels, Generator g)
    {
        using var scope = NewDisposeScope();
        var (x1, x2) = MoCoV3Views.Draw(images, g);
        var q1 = predictor.forward(projector.forward(encoder.Forward(x1).mean([1])));
        var q2 = predictor.forward(projector.forward(encoder.Forward(x2).mean([1])));
        Tensor k1, k2;
        using (no_grad())
        {
            k1 = momentumProjector.forward(momentumEncoder.Forward(x1).mean([1]));
            k2 = momentumProjector.forward(momentumEncoder.Forward(x2).mean([1]));
        }
        var loss = SymmetricLoss(q1, q2, k1, k2, Options.Temperature);
        return new LossParts(loss.MoveToOuterDisposeScope(), null, null);
    }

    /// <summary>ctr(q₁, k₂) + ctr(q₂, k₁).</summary>
    public static Tensor SymmetricLoss(Tensor q1, Tensor q2, Tensor k1, Tensor k2, double temperature)
    {
        using var scope = NewDisposeScope();
        return (InfoNce(q1, k2, temperature) + InfoNce(q2, k1, temperature)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// MoCo v3's ctr(q, k): cosine similarities q̂ᵢ·k̂ⱼ / τ as logits, the positive of query i is key i, cross-entropy
    /// averaged over the batch and multiplied by 2τ (the paper's scaling, which makes the loss's gradient scale
    /// independent of τ). Keys carry no gradient.
    /// </summary>
    public static Tensor InfoNce(Tensor q, Tensor k, double temperature)
    {
        using var scope = NewDisposeScope();
        var logits = nn.functional.normalize(q, dim: 1).matmul(nn.functional.normalize(k.detach(), dim: 1).t()) / temperature;
        var positives = arange(q.shape[0], ScalarType.Int64, device: q.device);
        return (nn.functional.cross_entropy(logits, positives) * (2 * temperature)).MoveToOuterDisposeScope();
    }

    /// <summary>θ_k ← m·θ_k + (1 − m)·θ_q for the momentum encoder and projector.</summary>
    public void UpdateMomentum(double m)
    {
        if (!(m >= 0 && m <= 1)) throw new ArgumentOutOfRangeException(nameof(m), $"momentum must be in [0, 1], got {m}");
        using var _ = no_grad();
        foreach (var (online, momentum) in MomentumPairs()) momentum.mul_(m).add_(online, alpha: 1 - m);
    }

    /// <summary>After each optimizer step: the momentum update with the cosine-scheduled coefficient.</summary>
    public void AfterOptimizerStep(long step, long totalSteps) => UpdateMomentum(Options.MomentumAt(step, totalSteps));

    IEnumerable<(Tensor Online, Tensor Momentum)> MomentumPairs() =>
        encoder.parameters().Concat(projector.parameters())
            .Zip(momentumEncoder.parameters().Concat(momentumProjector.parameters()), (a, b) => ((Tensor)a, (Tensor)b));

    /// <summary>The online encoder on the whole image, as <see cref="BaselineReadout.Features"/> reads it.</summary>
    public Tensor Features(Tensor images, ProbeReadout? readout = null, Generator? noise = null, bool meanPool = true) =>
        BaselineReadout.Features(encoder, images, readout, meanPool);

    /// <summary>The encoder's tokens on the whole image, with gradients (fine-tuning).</summary>
    public Tensor EncoderTokens(Tensor images, ProbeReadout readout, Generator? noise) => BaselineReadout.Tokens(encoder, images, readout);

    public EncoderLayers Layers(ProbeReadout readout) => encoder.Layers(BaselineReadout.Blocks(readout, encoder));
}

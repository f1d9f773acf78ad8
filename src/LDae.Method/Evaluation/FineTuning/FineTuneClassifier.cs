using LDae.Method;
using LDae.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Evaluation.FineTuning;

/// <summary>
/// The network that is fine-tuned: a pretrained encoder's read-out tokens (<see cref="IFineTunableEncoder"/>),
/// globally average-pooled, a LayerNorm and a linear classifier (MAE's global-pool head, fc_norm + head). It registers
/// the encoder modules the read-out runs — embeddings, blocks and final norm, under those names — beside its own head,
/// so its parameters are exactly what fine-tuning trains and averages, and the names carry each one's layer.
/// </summary>
public sealed class FineTuneClassifier : nn.Module<Tensor, Tensor>
{
    public const string EmbeddingPrefix = "embedding.";
    public const string BlocksPrefix = "blocks.";

    readonly IFineTunableEncoder encoder;
    readonly ProbeReadout readout;
    readonly ModuleList<nn.Module> embedding;
    readonly ModuleList<nn.Module> blocks;
    readonly nn.Module? norm;
    readonly LayerNorm fc_norm;
    readonly Linear head;

    public FineTuneClassifier(IFineTunableEncoder encoder, ProbeReadout readout, int width, int classes, double headInitStd, Generator init)
        : base(nameof(FineTuneClassifier))
    {
        this.encoder = encoder;
        this.readout = readout;
        var layers = encoder.Layers(readout);
        embedding = new ModuleList<nn.Module>(layers.Embedding.ToArray());
        blocks = new ModuleList<nn.Module>(layers.Blocks.ToArray());
        norm = layers.Norm;
        fc_norm = nn.LayerNorm(width, eps: 1e-6);
        head = nn.Linear(width, classes);
        // Registered by name, not by RegisterComponents: the encoder field is the whole method (decoder included), which is not fine-tuned.
        register_module("embedding", embedding);
        register_module("blocks", blocks);
        if (norm is not null) register_module("norm", norm);
        register_module("fc_norm", fc_norm);
        register_module("head", head);
        using (no_grad())
        {
            TruncatedNormal.Fill_(head.weight!, std: headInitStd, a: -2 * headInitStd, b: 2 * headInitStd, generator: init);
            head.bias!.zero_();
        }
        // Every read-out parameter is fine-tuned, including any the pretraining kept frozen (MoCo v3's patch projection).
        foreach (var p in parameters()) p.requires_grad = true;
    }

    /// <summary>
    /// Disposes the head only. The encoder's modules belong to the method they came from, which stays usable and is
    /// disposed by its owner; the base Dispose would dispose every registered module. The wrapper's own native module
    /// holds references only and is released with its handle.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        fc_norm.Dispose();
        head.Dispose();
    }

    /// <summary>Blocks of the read-out: B of the layer-wise lr decay.</summary>
    public int BlockCount => blocks.Count;

    /// <summary>The blocks, first to last (drop path is set on them).</summary>
    public IReadOnlyList<nn.Module> Blocks => blocks.ToList();

    /// <summary>The generator of noisy read-out input (unused with clean input).</summary>
    public Generator? ReadoutNoise { get; set; }

    /// <summary>N×C×H×W images in [−1, 1] → N×classes logits.</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var pooled = encoder.EncoderTokens(images, readout, ReadoutNoise).mean([1]);
        return head.forward(fc_norm.forward(pooled)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The layer of a named parameter for the lr decay: 0 for the embeddings, i + 1 for block i, B + 1 for the
    /// encoder's final norm and the head (MAE's get_layer_id_for_vit).
    /// </summary>
    public int LayerOf(string name)
    {
        if (name.StartsWith(EmbeddingPrefix, StringComparison.Ordinal)) return 0;
        if (name.StartsWith(BlocksPrefix, StringComparison.Ordinal))
            return int.Parse(name[BlocksPrefix.Length..name.IndexOf('.', BlocksPrefix.Length)], System.Globalization.CultureInfo.InvariantCulture) + 1;
        return BlockCount + 1;
    }
}

using LDae.Kernels;
using LDae.Tokenizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>
/// The DiT backbone, split into an encoder and a decoder of half depth each ("ViT-½L" for DiT-L).
/// Grid N×C_in×H×W → patch embedding (conv k×k, stride k) + fixed 2-D sin-cos position embedding →
/// encoder blocks → decoder blocks → final layer → unpatchify to N×C_out×H×W. The conditioning vector is
/// the timestep embedding plus the class embedding (each optional); <see cref="ConditioningPlacement"/>
/// decides which blocks are adaLN-Zero blocks and which are plain ViT blocks.
/// </summary>
public sealed class DiffusionTransformer : nn.Module<Tensor, Tensor, Tensor?, Tensor>
{
    readonly Conv2d patchEmbed;
    readonly Tensor posEmbed;                         // buffer 1×L×width, fixed
    readonly TimestepEmbedder? timeEmbed;
    readonly LabelEmbedder? labelEmbed;
    readonly ModuleList<nn.Module<Tensor, Tensor?, Tensor>> blocks;
    readonly FinalLayer finalLayer;

    DiffusionTransformer(BackboneOptions o) : base(nameof(DiffusionTransformer))
    {
        Options = o;
        patchEmbed = nn.Conv2d(o.InChannels, o.Width, o.Patch, stride: o.Patch);
        posEmbed = PositionEmbedding.SinCos2D(o.Width, o.GridSize / o.Patch).unsqueeze(0);
        if (o.UsesConditioning) timeEmbed = new TimestepEmbedder(o.ConditioningWidth);
        if (o.UsesConditioning && o.ClassConditional) labelEmbed = new LabelEmbedder(o.NumClasses, o.ConditioningWidth);
        blocks = new ModuleList<nn.Module<Tensor, Tensor?, Tensor>>(
            Enumerable.Range(0, o.Depth)
                .Select(i => o.IsConditionedBlock(i)
                    ? (nn.Module<Tensor, Tensor?, Tensor>)new AdaLnZeroBlock(o.Width, o.Heads, o.MlpHidden, o.ConditioningWidth)
                    : new VitBlock(o.Width, o.Heads, o.MlpHidden))
                .ToArray());
        finalLayer = new FinalLayer(o.Width, o.Patch * o.Patch * o.OutChannels, o.IsFinalLayerConditioned ? o.ConditioningWidth : null);
        RegisterComponents();
    }

    /// <summary>Builds and initialises the backbone (DiT's init) from <paramref name="generator"/> (seed 0 if none).</summary>
    public static DiffusionTransformer Create(BackboneOptions options, Generator? generator = null)
    {
        options.Validate();
        var model = new DiffusionTransformer(options);
        var g = generator ?? new Generator(0, CPU);
        try { model.InitializeWeights(g); }
        finally { if (generator is null) g.Dispose(); }
        return model;
    }

    public BackboneOptions Options { get; }

    /// <summary>All blocks, encoder first: blocks [0, EncoderDepth) are the encoder.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor?, Tensor>> Blocks => blocks.ToList();

    /// <summary>The k×k patch embedding (layer 0 of the encoder when fine-tuning).</summary>
    public Conv2d PatchEmbedding => patchEmbed;

    public FinalLayer Final => finalLayer;
    public LabelEmbedder? Labels => labelEmbed;
    public TimestepEmbedder? Timesteps => timeEmbed;

    /// <summary>Trainable parameters (the fixed position embedding is a buffer and not counted).</summary>
    public long ParameterCount => parameters().Where(p => p.requires_grad).Sum(p => p.numel());

    /// <summary>Forward matmul FLOPs per image (2·MACs, attention included); see <see cref="BackboneFlops"/>.</summary>
    public static double FlopsPerImage(BackboneOptions options) => BackboneFlops.PerImage(options);

    /// <summary>x: N×C_in×H×W, t: N timesteps, y: N labels or null (→ null class) → N×C_out×H×W.</summary>
    public override Tensor forward(Tensor x, Tensor t, Tensor? y)
    {
        using var scope = NewDisposeScope();
        var c = Conditioning(t, y);
        var h = RunBlocks(EmbedPatches(x), c, 0, Options.EncoderDepth);
        return DecodeTokens(h, c).MoveToOuterDisposeScope();
    }

    /// <summary>The encoder's output tokens N×L×width (what the linear probe reads).</summary>
    public Tensor EncodeTokens(Tensor x, Tensor t, Tensor? y)
    {
        using var scope = NewDisposeScope();
        var c = Conditioning(t, y);
        return RunBlocks(EmbedPatches(x), c, 0, Options.EncoderDepth).MoveToOuterDisposeScope();
    }

    /// <summary>Decoder half + final layer + unpatchify: encoder tokens N×L×width → N×C_out×H×W.</summary>
    public Tensor DecodeTokens(Tensor tokens, Tensor? c)
    {
        using var scope = NewDisposeScope();
        var h = RunBlocks(tokens, c, Options.EncoderDepth, Options.Depth);
        var perToken = finalLayer.forward(h, c);                       // N×L×(k·k·C_out)
        int k = Options.Patch;
        // the loss is computed in float32 whatever the products computed in (Autocast)
        return Autocast.Float(Patches.Unpatchify(perToken, k, Options.OutChannels, Options.GridSize, Options.GridSize)).MoveToOuterDisposeScope();
    }

    /// <summary>Patch embedding + position embedding: N×C_in×H×W → N×L×width.</summary>
    public Tensor EmbedPatches(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != Options.InChannels || x.shape[2] != Options.GridSize || x.shape[3] != Options.GridSize)
            throw new ArgumentException($"backbone expects N×{Options.InChannels}×{Options.GridSize}×{Options.GridSize}, got [{string.Join(",", x.shape)}]");
        using var scope = NewDisposeScope();
        // contiguous(): an elementwise op keeps the layout of its first operand, so without it the transposed
        // (channels-major) layout would run through the whole residual stream and make every block 2–3× slower.
        return (Autocast.PatchConv(patchEmbed, x, Options.Patch).flatten(2).transpose(1, 2).contiguous() + posEmbed).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The conditioning vector c = embed(t) + embed(y), N×<see cref="BackboneOptions.ConditioningWidth"/>, or null when no block is conditioned.
    /// A null <paramref name="y"/> means the null class (unconditional), e.g. at probe time.
    /// </summary>
    public Tensor? Conditioning(Tensor t, Tensor? y)
    {
        if (y is not null && !Options.ClassConditional)
            throw new ArgumentException("labels were given to a backbone that is not class-conditional");
        if (!Options.UsesConditioning) return null;
        using var scope = NewDisposeScope();
        // Not told t: one fixed timestep for every input, so c carries nothing that varies with the noise level.
        var told = Options.TimestepConditional ? t : full_like(t, BackboneOptions.FixedTimestep);
        Tensor? c = timeEmbed!.forward(told);
        if (labelEmbed is not null)
        {
            var labels = y ?? full([t.shape[0]], labelEmbed.NullClass, ScalarType.Int64, device: t.device);
            var e = labelEmbed.forward(labels);
            c = c + e;
        }
        return c.MoveToOuterDisposeScope();
    }

    /// <summary>Runs blocks [from, to) on tokens.</summary>
    public Tensor RunBlocks(Tensor tokens, Tensor? c, int from, int to)
    {
        using var scope = NewDisposeScope();
        var h = tokens;
        for (int i = from; i < to; i++) h = blocks[i].forward(h, c);
        return (ReferenceEquals(h, tokens) ? h.alias() : h).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// DiT's initialisation: Xavier-uniform linears with zero bias; the patch embedding as a linear map on the
    /// flattened patch; N(0, 0.02) for label and timestep embeddings; zero for every adaLN modulation and for
    /// the final linear (so adaLN-Zero blocks start as identity and the output starts at 0).
    /// </summary>
    void InitializeWeights(Generator g)
    {
        foreach (var module in modules())
            if (module is Linear linear)
            {
                WeightInit.XavierUniform(linear.weight!, g);
                WeightInit.Zero(linear.bias);
            }
        WeightInit.XavierUniform(patchEmbed.weight!, g);
        WeightInit.Zero(patchEmbed.bias);
        if (labelEmbed is not null) WeightInit.Normal(labelEmbed.Weight, 0.02, g);
        if (timeEmbed is not null)
            foreach (var linear in timeEmbed.Linears) WeightInit.Normal(linear.weight!, 0.02, g);
        foreach (var block in blocks.OfType<AdaLnZeroBlock>())
        {
            WeightInit.Zero(block.Modulation.weight);
            WeightInit.Zero(block.Modulation.bias);
        }
        WeightInit.Zero(finalLayer.Modulation?.weight);
        WeightInit.Zero(finalLayer.Modulation?.bias);
        WeightInit.Zero(finalLayer.Output.weight);
        WeightInit.Zero(finalLayer.Output.bias);
    }
}

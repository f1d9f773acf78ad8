using LDae.Kernels;
using LDae.Models;
using LDae.Tokenizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Method.Baselines;

/// <summary>
/// The plain ViT encoder of the Table 4 baselines: p×p pixel patches → linear patch embedding + fixed 2-D sin-cos
/// position embedding → <see cref="VitBlock"/>s (the blocks of the denoiser's backbone without adaLN) → LayerNorm.
/// It has the width, depth (the encoder half of the profile's base/large model) and token grid of the l-DAE encoder,
/// so the shared probe reads features of the same size from all three methods. There is no class token: the probe
/// mean-pools the tokens, as it does for l-DAE.
/// </summary>
public sealed class VitEncoder : nn.Module
{
    readonly Linear patchEmbed;
    readonly Tensor posEmbed;                         // buffer 1×L×width, fixed
    readonly ModuleList<VitBlock> blocks;
    readonly LayerNorm norm;

    public VitEncoder(int imageSize, int channels, int patch, int width, int depth, int heads, double mlpRatio, Generator init)
        : base(nameof(VitEncoder))
    {
        if (imageSize % patch != 0) throw new ArgumentException($"image size {imageSize} is not a multiple of the patch {patch}");
        if (depth < 1) throw new ArgumentException($"encoder depth must be ≥ 1, got {depth}");
        Patch = patch;
        Width = width;
        Depth = depth;
        PatchDim = patch * patch * channels;
        patchEmbed = nn.Linear(PatchDim, width);
        posEmbed = PositionEmbedding.SinCos2D(width, imageSize / patch).unsqueeze(0);
        blocks = new ModuleList<VitBlock>(Enumerable.Range(0, depth).Select(_ => new VitBlock(width, heads, (int)(width * mlpRatio))).ToArray());
        norm = nn.LayerNorm(width, eps: 1e-6);
        RegisterComponents();
        InitializeLinears(this, init);
    }

    public int Patch { get; }
    public int Width { get; }
    public int Depth { get; }

    /// <summary>The blocks, first to last.</summary>
    public IReadOnlyList<VitBlock> Blocks => blocks.ToList();

    /// <summary>The LayerNorm after the last block.</summary>
    public LayerNorm Norm => norm;

    /// <summary>The modules that compute <see cref="Forward"/> after <paramref name="blockCount"/> blocks, by layer (fine-tuning).</summary>
    public EncoderLayers Layers(int blockCount) =>
        new([patchEmbed], blocks.Take(blockCount).Cast<nn.Module>().ToList(), blockCount == Depth ? norm : null);

    /// <summary>Values per patch, p²·C (what the MAE decoder predicts per token).</summary>
    public int PatchDim { get; }

    /// <summary>The patch projection (MoCo v3 freezes it at its random initialisation).</summary>
    public Linear PatchEmbedding => patchEmbed;

    /// <summary>Images N×C×H×W → patches N×L×(p²C), tokens in row-major order.</summary>
    public Tensor Patchify(Tensor images) => Patches.Patchify(images, Patch);

    /// <summary>Patches N×L×(p²C) → tokens N×L×width with their position embedding.</summary>
    public Tensor Embed(Tensor patches)
    {
        using var scope = NewDisposeScope();
        return (Autocast.Linear(patchEmbed, patches) + posEmbed).MoveToOuterDisposeScope();
    }

    /// <summary>Runs the first <paramref name="blocks"/> blocks (all by default); the final LayerNorm only after the last.</summary>
    public Tensor Encode(Tensor tokens, int? blockCount = null)
    {
        int count = blockCount ?? Depth;
        if (count < 1 || count > Depth) throw new ArgumentOutOfRangeException(nameof(blockCount), $"the encoder has {Depth} blocks; cannot read after {count}");
        using var scope = NewDisposeScope();
        var h = tokens;
        for (int i = 0; i < count; i++) h = blocks[i].forward(h, null);
        return (count == Depth ? norm.forward(h) : h.alias()).MoveToOuterDisposeScope();
    }

    /// <summary>The whole image through the encoder: N×C×H×W → N×L×width.</summary>
    public Tensor Forward(Tensor images, int? blockCount = null)
    {
        using var scope = NewDisposeScope();
        return Encode(Embed(Patchify(images)), blockCount).MoveToOuterDisposeScope();
    }

    /// <summary>MAE's and MoCo v3's initialisation of a ViT: Xavier-uniform linears with zero bias (LayerNorms stay 1/0).</summary>
    public static void InitializeLinears(nn.Module module, Generator g)
    {
        foreach (var m in WeightInit.SelfAndSubmodules(module))
            if (m is Linear linear)
            {
                WeightInit.XavierUniform(linear.weight!, g);
                WeightInit.Zero(linear.bias);
            }
    }
}

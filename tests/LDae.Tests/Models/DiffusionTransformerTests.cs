using LDae.Models;
using LDae.Runtime;
using LDae.Tests.Method;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Models;

public class DiffusionTransformerTests
{
    public DiffusionTransformerTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static BackboneOptions Tiny(bool classConditional = true, ConditioningPlacement placement = ConditioningPlacement.Both, bool timestep = true) =>
        new(InChannels: 3, OutChannels: 5, Patch: 2, GridSize: 8, Width: 32, Depth: 4, Heads: 4, MlpRatio: 2,
            ClassConditional: classConditional, NumClasses: 10, Placement: placement, TimestepConditional: timestep);

    /// <summary>Makes the zero-initialised parts non-zero, as a few optimizer steps would.</summary>
    static void Perturb(DiffusionTransformer model, int seed = 1)
    {
        var g = new Generator((ulong)seed, CPU);
        foreach (var block in model.Blocks.OfType<AdaLnZeroBlock>())
            WeightInit.Normal(block.Modulation.weight!, 0.05, g);
        if (model.Final.Modulation is Linear m) WeightInit.Normal(m.weight!, 0.05, g);
        WeightInit.Normal(model.Final.Output.weight!, 0.05, g);
    }

    static (Tensor x, Tensor t) Batch(int n = 3, int seed = 0)
    {
        var g = new Generator((ulong)seed, CPU);
        return (randn([n, 3, 8, 8], generator: g), randint(1, 1001, [n], generator: g));
    }

    static bool Same(Tensor a, Tensor b, double tol = 1e-6) => SyntheticShapes.MaxAbsDiff(a, b) <= tol;

    [Fact]
    public void AdaLn_zero_blocks_start_as_identity_and_the_output_starts_at_zero()
    {
        using var scope = NewDisposeScope();
        using var model = DiffusionTransformer.Create(Tiny());
        var (x, t) = Batch();
        var c = model.Conditioning(t, tensor(new long[] { 1, 2, 3 }))!;
        var tokens = model.EmbedPatches(x);
        foreach (var block in model.Blocks)
        {
            Assert.IsType<AdaLnZeroBlock>(block);
            Assert.True(TensorAssert.Identical(block.forward(tokens, c), tokens));
        }
        Assert.True(model.forward(x, t, null).abs().max().item<float>() == 0f);

        Perturb(model);
        Assert.False(Same(model.Blocks[0].forward(tokens, c), tokens), "after perturbation a block is no longer the identity");
    }

    [Fact]
    public void Zero_init_does_not_block_learning()
    {
        using var scope = NewDisposeScope();
        using var model = DiffusionTransformer.Create(Tiny());
        var (x, t) = Batch();
        var target = randn([3, 5, 8, 8], generator: new Generator(3, CPU));
        (model.forward(x, t, null) - target).square().mean().backward();
        // the output starts at exactly 0, yet the final linear receives a gradient (and, through it, everything else)
        Assert.True(model.Final.Output.weight!.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Class_conditioning_changes_the_output_only_when_enabled()
    {
        using var scope = NewDisposeScope();
        var (x, t) = Batch();
        var a = tensor(new long[] { 0, 1, 2 });
        var b = tensor(new long[] { 7, 8, 9 });

        using var conditional = DiffusionTransformer.Create(Tiny());
        Assert.True(Same(conditional.forward(x, t, a), conditional.forward(x, t, b)), "zero-init: labels cannot matter yet");
        Perturb(conditional);
        Assert.False(Same(conditional.forward(x, t, a), conditional.forward(x, t, b)));
        // a missing label is the null class
        Assert.True(Same(conditional.forward(x, t, null), conditional.forward(x, t, full(3, 10L))));

        using var placementNone = DiffusionTransformer.Create(Tiny(placement: ConditioningPlacement.None));
        Perturb(placementNone);
        Assert.All(placementNone.Blocks, blk => Assert.IsType<VitBlock>(blk));
        Assert.True(Same(placementNone.forward(x, t, a), placementNone.forward(x, t, b)));

        using var unconditional = DiffusionTransformer.Create(Tiny(classConditional: false));
        Perturb(unconditional);
        Assert.Null(unconditional.Labels);
        Assert.Throws<ArgumentException>(() => unconditional.forward(x, t, a));
    }

    [Fact]
    public void Timestep_conditioning_can_be_switched_off()
    {
        using var scope = NewDisposeScope();
        var (x, t) = Batch();
        var t2 = t.flip(0);
        using var on = DiffusionTransformer.Create(Tiny(classConditional: false));
        Perturb(on);
        Assert.False(Same(on.forward(x, t, null), on.forward(x, t2, null)));
        using var off = DiffusionTransformer.Create(Tiny(classConditional: false, timestep: false));
        Perturb(off);
        // not told t: the same adaLN-Zero blocks and timestep MLP, conditioned on one fixed t
        Assert.NotNull(off.Timesteps);
        Assert.All(off.Blocks, blk => Assert.IsType<AdaLnZeroBlock>(blk));
        Assert.Equal(on.named_parameters().Select(p => (p.name, string.Join("×", p.parameter.shape))),
            off.named_parameters().Select(p => (p.name, string.Join("×", p.parameter.shape))));
        Assert.True(Same(off.forward(x, t, null), off.forward(x, t2, null)));
        Assert.True(Same(off.forward(x, t, null), off.forward(x, full_like(t, BackboneOptions.FixedTimestep), null)));
    }

    [Fact]
    public void Placement_decides_which_half_sees_the_conditioning()
    {
        using var scope = NewDisposeScope();
        var (x, t) = Batch();
        var t2 = t.flip(0);
        using var decoderOnly = DiffusionTransformer.Create(Tiny(classConditional: false, placement: ConditioningPlacement.Decoder));
        Perturb(decoderOnly);
        Assert.Equal(new[] { false, false, true, true }, decoderOnly.Blocks.Select(blk => blk is AdaLnZeroBlock));
        Assert.True(Same(decoderOnly.EncodeTokens(x, t, null), decoderOnly.EncodeTokens(x, t2, null)));
        Assert.False(Same(decoderOnly.forward(x, t, null), decoderOnly.forward(x, t2, null)));

        using var encoderOnly = DiffusionTransformer.Create(Tiny(classConditional: false, placement: ConditioningPlacement.Encoder));
        Perturb(encoderOnly);
        Assert.Equal(new[] { true, true, false, false }, encoderOnly.Blocks.Select(blk => blk is AdaLnZeroBlock));
        Assert.Null(encoderOnly.Final.Modulation);
        Assert.False(Same(encoderOnly.EncodeTokens(x, t, null), encoderOnly.EncodeTokens(x, t2, null)));
    }

    [Fact]
    public void Encoder_is_the_first_half_and_the_decoder_the_rest()
    {
        using var scope = NewDisposeScope();
        using var model = DiffusionTransformer.Create(Tiny());
        Perturb(model);
        var (x, t) = Batch();
        var y = tensor(new long[] { 4, 5, 6 });
        var c = model.Conditioning(t, y);
        var h = model.EmbedPatches(x);
        for (int i = 0; i < 2; i++) h = model.Blocks[i].forward(h, c);
        var encoded = model.EncodeTokens(x, t, y);
        Assert.Equal(new long[] { 3, 16, 32 }, encoded.shape);
        Assert.True(Same(encoded, h));
        var allBlocks = model.RunBlocks(model.EmbedPatches(x), c, 0, 4);
        Assert.False(Same(encoded, allBlocks), "the encoder output is not the output of all blocks");
        var output = model.forward(x, t, y);
        Assert.Equal(new long[] { 3, 5, 8, 8 }, output.shape);
        Assert.True(Same(output, model.DecodeTokens(encoded, c)));
    }

    [Fact]
    public void Parameter_count_matches_the_architecture()
    {
        using var model = DiffusionTransformer.Create(Tiny(classConditional: false, placement: ConditioningPlacement.None));
        long w = 32, h = 64, k2 = 4;
        long patch = 3 * k2 * w + w;
        long block = (3 * w * w + 3 * w) + (w * w + w) + 2 * (2 * w) + (w * h + h) + (h * w + w);
        long final = 2 * w + w * k2 * 5 + k2 * 5;
        Assert.Equal(patch + 4 * block + final, model.ParameterCount);

        using var dit = DiffusionTransformer.Create(Tiny());
        // conditioned: block norms have no affine (−4w per block), final norm no affine (−2w), plus adaLN
        // regressions, timestep MLP and label table
        long expected = patch + 4 * (block - 4 * w + w * 6 * w + 6 * w) + (final - 2 * w + w * 2 * w + 2 * w)
                        + (256 * w + w + w * w + w) + 11 * w;
        Assert.Equal(expected, dit.ParameterCount);
    }

    [Fact]
    public void The_papers_adaln_conditioning_is_a_quarter_of_the_width()
    {
        // The paper's appendix: the two-layer MLP that turns t into the adaLN parameters has 1/4 of DiT's hidden
        // size. c (timestep MLP 256 → c → c, label table) has w/4 values; every adaLN regression maps c → 6w (2w last).
        using var dit = DiffusionTransformer.Create(Tiny());
        using var quarter = DiffusionTransformer.Create(Tiny() with { ConditioningRatio = 0.25 });
        long w = 32, c = 8;
        Assert.Equal(c, quarter.Options.ConditioningWidth);
        Assert.Equal(w, dit.Options.ConditioningWidth);
        long Conditioning(long cw) => (256 * cw + cw + cw * cw + cw) + 11 * cw + 4 * (cw * 6 * w + 6 * w) + (cw * 2 * w + 2 * w);
        Assert.Equal(Conditioning(w) - Conditioning(c), dit.ParameterCount - quarter.ParameterCount);
        Assert.Equal(new long[] { 6 * w, c }, quarter.Blocks.OfType<AdaLnZeroBlock>().First().Modulation.weight!.shape);

        var (x, t) = Batch();
        Perturb(quarter);
        var y = quarter.forward(x, t, null);
        Assert.Equal(new long[] { 3, 5, 8, 8 }, y.shape);
        Assert.Equal(new long[] { 3, c }, quarter.Conditioning(t, null)!.shape);
        // FLOPs: the conditioning costs the timestep MLP and the regressions, once per image
        var conditioned = DiffusionTransformer.FlopsPerImage(Tiny() with { ConditioningRatio = 0.25 });
        var plain = DiffusionTransformer.FlopsPerImage(Tiny() with { ConditioningRatio = 0.25, Placement = ConditioningPlacement.None });
        Assert.Equal(2.0 * (256 * c + c * c + 4 * c * 6 * w + c * 2 * w), conditioned - plain);
    }

    [Fact]
    public void Flops_match_dit_xl2_and_the_parameter_shapes()
    {
        // DiT-XL/2 on 256² images (32² latent, 4 → 8 channels): DiT reports 118.6 G multiply-adds.
        var xl2 = new BackboneOptions(4, 8, 2, 32, 1152, 28, 16, 4.0, true, 1000, ConditioningPlacement.Both);
        Assert.InRange(DiffusionTransformer.FlopsPerImage(xl2) / 2, 118.0e9, 119.2e9);

        // An unconditioned backbone applies every weight matrix once per token, plus attention 4·L²·w per block.
        var o = Tiny(classConditional: false, placement: ConditioningPlacement.None);
        using var model = DiffusionTransformer.Create(o);
        long matrices = model.parameters().Where(p => p.dim() >= 2).Sum(p => p.numel());
        double expected = 2.0 * o.TokenCount * matrices + 4.0 * o.TokenCount * o.TokenCount * o.Width * o.Depth;
        Assert.Equal(expected, DiffusionTransformer.FlopsPerImage(o));
    }

    [Fact]
    public void Creation_is_deterministic_in_the_generator_and_validates_shapes()
    {
        using var scope = NewDisposeScope();
        using var a = DiffusionTransformer.Create(Tiny(), new Generator(3, CPU));
        using var b = DiffusionTransformer.Create(Tiny(), new Generator(3, CPU));
        using var c = DiffusionTransformer.Create(Tiny(), new Generator(4, CPU));
        var pa = a.parameters().ToList(); var pb = b.parameters().ToList(); var pc = c.parameters().ToList();
        Assert.All(pa.Zip(pb), pair => Assert.True(TensorAssert.Identical(pair.First, pair.Second)));
        Assert.Contains(pa.Zip(pc), pair => !TensorAssert.Identical(pair.First, pair.Second));
        Assert.Throws<ArgumentException>(() => DiffusionTransformer.Create(Tiny() with { Depth = 3 }));
        Assert.Throws<ArgumentException>(() => DiffusionTransformer.Create(Tiny() with { GridSize = 9 }));
        Assert.Throws<ArgumentException>(() => a.forward(zeros(1, 4, 8, 8), zeros(1), null));
    }
}

using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers.Learned;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers.Learned;

/// <summary>
/// The conv VAE, the PatchGAN discriminator and the perceptual network are the networks their documentation
/// describes (LDM's encoder and decoder, shrunk; VQGAN's discriminator; a small VGG): layer by layer, their
/// parameter counts and conv FLOPs, and forward passes that compose the documented layers in the documented order.
/// </summary>
public class LearnedNetworkArchitectureTests
{
    public LearnedNetworkArchitectureTests() => TorchRuntime.EnsureLoaded(threads: 1);

    // parameters and forward FLOPs (2 × multiply-adds per output position) of the layers the docs name
    static long Conv(int cin, int cout, int k) => (long)cin * cout * k * k + cout;
    static long Norm(int c) => 2L * c;
    static long Res(int cin, int cout) => Norm(cin) + Conv(cin, cout, 3) + Norm(cout) + Conv(cout, cout, 3) + (cin == cout ? 0 : Conv(cin, cout, 1));
    static double ExpectedConvFlops(int cin, int cout, int k, int side) => 2.0 * cin * cout * k * k * side * side;
    static double ResFlops(int cin, int cout, int side) =>
        ExpectedConvFlops(cin, cout, 3, side) + ExpectedConvFlops(cout, cout, 3, side) + (cin == cout ? 0 : ExpectedConvFlops(cin, cout, 1, side));

    [Fact]
    public void Conv_vae_with_patch_4_has_three_levels_of_8_16_32_channels_in_the_encoder_and_mirrored_in_the_decoder()
    {
        // p = 4: two stride-2 steps, levels of 8, 16, 32 channels (base 8, multipliers 1, 2, 4); d = 3, one image channel
        using var vae = new ConvVae(4, 3, 1, new ConvVaeArchitecture(BaseChannels: 8, MaxMultiplier: 4, ResBlocksPerLevel: 1));
        long encoder = Conv(1, 8, 3)
                       + Res(8, 8) + Conv(8, 8, 3)                 // level 0, then the stride-2 conv
                       + Res(8, 16) + Conv(16, 16, 3)              // level 1
                       + Res(16, 32)                               // level 2
                       + Res(32, 32) + Norm(32) + Conv(32, 2 * 3, 3);   // middle, norm, conv out to mean and log-variance
        long decoder = Conv(3, 32, 3) + Res(32, 32)                // conv in, middle
                       + Res(32, 32) + Conv(32, 16, 3)             // level 2, then ×2 upsampling + conv
                       + Res(16, 16) + Conv(16, 8, 3)              // level 1
                       + Res(8, 8) + Norm(8) + Conv(8, 1, 3);      // level 0, norm, conv out
        Assert.Equal(encoder + decoder, vae.ParameterCount);

        // a 16×16 image: the encoder runs at 16, 8, 4; the decoder at 4, 8, 16
        double encoderFlops = ExpectedConvFlops(1, 8, 3, 16) + ResFlops(8, 8, 16) + ExpectedConvFlops(8, 8, 3, 8)
                              + ResFlops(8, 16, 8) + ExpectedConvFlops(16, 16, 3, 4)
                              + ResFlops(16, 32, 4) + ResFlops(32, 32, 4) + ExpectedConvFlops(32, 6, 3, 4);
        double decoderFlops = ExpectedConvFlops(3, 32, 3, 4) + ResFlops(32, 32, 4) + ResFlops(32, 32, 4) + ExpectedConvFlops(32, 16, 3, 8)
                              + ResFlops(16, 16, 8) + ExpectedConvFlops(16, 8, 3, 16) + ResFlops(8, 8, 16) + ExpectedConvFlops(8, 1, 3, 16);
        Assert.Equal(encoderFlops + decoderFlops, vae.ForwardFlops(16));
        Assert.Equal(vae.ForwardFlops(16), ConvFlops.TokenizerPerImage(vae, 16));

        // two residual blocks per level add one block of each level's width on both sides
        using var deeper = new ConvVae(4, 3, 1, new ConvVaeArchitecture(BaseChannels: 8, MaxMultiplier: 4, ResBlocksPerLevel: 2));
        Assert.Equal(vae.ParameterCount + 2 * (Res(8, 8) + Res(16, 16) + Res(32, 32)), deeper.ParameterCount);
        Assert.Equal(vae.ForwardFlops(16) + 2 * (ResFlops(8, 8, 16) + ResFlops(16, 16, 8) + ResFlops(32, 32, 4)), deeper.ForwardFlops(16));

        // the multiplier caps the width: base 4, cap 2 gives 4, 8, 8
        using var capped = new ConvVae(4, 3, 1, new ConvVaeArchitecture(BaseChannels: 4, MaxMultiplier: 2, ResBlocksPerLevel: 1));
        long cappedEncoder = Conv(1, 4, 3) + Res(4, 4) + Conv(4, 4, 3) + Res(4, 8) + Conv(8, 8, 3) + Res(8, 8) + Res(8, 8) + Norm(8) + Conv(8, 6, 3);
        long cappedDecoder = Conv(3, 8, 3) + Res(8, 8) + Res(8, 8) + Conv(8, 8, 3) + Res(8, 8) + Conv(8, 4, 3) + Res(4, 4) + Norm(4) + Conv(4, 1, 3);
        Assert.Equal(cappedEncoder + cappedDecoder, capped.ParameterCount);
    }

    [Fact]
    public void Group_norms_use_up_to_8_groups_that_divide_the_channels()
    {
        Assert.Equal([8, 8, 4, 2, 1], new[] { 32, 16, 12, 6, 3 }.Select(c => ResnetBlock.Norm(c).num_groups));
    }

    [Fact]
    public void Encoder_decoder_and_residual_blocks_compose_their_documented_layers_in_order()
    {
        using var scope = NewDisposeScope();
        using var vae = ConvVae.Create(4, 3, 1, null, new Generator(2, CPU));
        var m = vae.named_modules().ToDictionary(t => t.name, t => t.module);
        Tensor Run(string name, Tensor x) => ((nn.Module<Tensor, Tensor>)m[name]).forward(x);
        Tensor Out(string prefix, Tensor h) => Run(prefix + ".convOut", nn.functional.silu(Run(prefix + ".normOut", h)));
        // GroupNorm → SiLU → conv 3×3, twice, added to the input (through the 1×1 skip conv when the width changes)
        Tensor Res(string b, Tensor x)
        {
            var h = Run(b + ".conv1", nn.functional.silu(Run(b + ".norm1", x)));
            h = Run(b + ".conv2", nn.functional.silu(Run(b + ".norm2", h)));
            return (m.ContainsKey(b + ".skip") ? Run(b + ".skip", x) : x) + h;
        }
        Tensor Levels(string prefix, Tensor h, int count, Func<string, Tensor, Tensor> between)
        {
            for (int i = 0; i < count; i++)
            {
                var name = $"{prefix}.levels.{i}";
                h = m[name] is ResnetBlock ? Res(name, h) : between(name, h);
            }
            return h;
        }
        Assert.Equal(5, m.Keys.Count(k => k.StartsWith("encoder.levels.") && k.Count(c => c == '.') == 2));
        Assert.Equal(5, m.Keys.Count(k => k.StartsWith("decoder.levels.") && k.Count(c => c == '.') == 2));

        // encoder: conv in → (residual block, stride-2 conv) per level → middle block → norm, SiLU, conv out = [mean; log σ²]
        var x = SyntheticShapes.Make(2, 1, 16, seed: 3);
        var h = Levels("encoder", Run("encoder.convIn", x), 5, Run);
        var moments = Out("encoder", Res("encoder.middle", h));
        var (mean, logVar) = vae.Posterior(x);
        Assert.True(SyntheticShapes.MaxAbsDiff(moments[.., ..3], mean) < 1e-5);
        Assert.True(SyntheticShapes.MaxAbsDiff(moments[.., 3..].clamp(-30, 20), logVar!) < 1e-5);

        // decoder: conv in → middle block → (residual block, ×2 nearest-neighbour upsampling + conv) per level → norm, SiLU, conv out
        var z = randn(2, 3, 4, 4, generator: new Generator(4, CPU));
        Tensor Up(string name, Tensor t) => Run(name + ".conv", nn.functional.interpolate(t, scale_factor: [2, 2], mode: InterpolationMode.Nearest));
        var expected = Out("decoder", Levels("decoder", Res("decoder.middle", Run("decoder.convIn", z)), 5, Up));
        Assert.True(SyntheticShapes.MaxAbsDiff(expected, vae.DecodeUnscaled(z)) < 1e-5);
        Assert.Equal(vae.DecoderLastLayerWeight.shape, ((Conv2d)m["decoder.convOut"]).weight!.shape);
        Assert.True(TensorAssert.Identical(vae.DecoderLastLayerWeight, ((Conv2d)m["decoder.convOut"]).weight!));
    }

    [Fact]
    public void Patch_discriminator_doubles_its_width_per_stride_2_block()
    {
        // width 8, two blocks: conv 4×4 1 → 8 (stride 2), 8 → 16 (stride 2), then the logit conv 16 → 1 (stride 1)
        using var d = new PatchDiscriminator(1, width: 8, layers: 2);
        Assert.Equal(Conv(1, 8, 4) + Conv(8, 16, 4) + Conv(16, 1, 4), d.parameters().Sum(p => p.numel()));
        Assert.Equal(ExpectedConvFlops(1, 8, 4, 16) + ExpectedConvFlops(8, 16, 4, 8) + ExpectedConvFlops(16, 1, 4, 7), d.ForwardFlops(32));

        // conv → LeakyReLU(0.2) per block, then the logit conv
        using var scope = NewDisposeScope();
        var m = d.named_modules().ToDictionary(t => t.name, t => t.module);
        Tensor Run(string name, Tensor x) => ((nn.Module<Tensor, Tensor>)m[name]).forward(x);
        var images = SyntheticShapes.Make(2, 1, 32, seed: 6);
        var h = nn.functional.leaky_relu(Run("body.conv0", images), 0.2);
        h = nn.functional.leaky_relu(Run("body.conv1", h), 0.2);
        Assert.True(SyntheticShapes.MaxAbsDiff(Run("body.logits", h), d.forward(images)) < 1e-6);
    }

    [Fact]
    public void Perceptual_network_is_two_convs_per_stage_with_halving_sides_and_counts_in_the_step_flops()
    {
        using var scope = NewDisposeScope();
        using var net = new PerceptualNetwork(1, 10, [4, 8]);
        // stage 0 at 16×16: conv 1 → 4, 4 → 4; stage 1 after a 2×2 max-pool at 8×8: conv 4 → 8, 8 → 8; a linear head on 8·4·4
        Assert.Equal(Conv(1, 4, 3) + Conv(4, 4, 3) + Conv(4, 8, 3) + Conv(8, 8, 3) + (8 * 4 * 4 * 10 + 10), net.parameters().Sum(p => p.numel()));
        double features = ExpectedConvFlops(1, 4, 3, 16) + ExpectedConvFlops(4, 4, 3, 16) + ExpectedConvFlops(4, 8, 3, 8) + ExpectedConvFlops(8, 8, 3, 8);
        Assert.Equal(features, net.FeatureFlops(16));
        Assert.Throws<ArgumentException>(() => new PerceptualNetwork(1, 10, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerceptualNetwork(1, 1, [4]));
        Assert.Contains("N×1×H×W", Assert.Throws<ArgumentException>(() => net.Features(zeros(2, 3, 16, 16))).Message);
        Assert.Throws<ArgumentException>(() => net.Features(zeros(1, 16, 16)));
        var stages = net.Features(zeros(2, 1, 16, 16));
        Assert.Equal([new long[] { 2, 4, 16, 16 }, new long[] { 2, 8, 8, 8 }], stages.Select(f => f.shape));

        // the tokenizer's step: 3 × (its own forward) + 3 × (one pass of the frozen perceptual network)
        using var ae = new PatchAe(4, 3, 1);
        var step = TokenizerStepFlops.For(ae, net, null, 16);
        Assert.Equal(3 * ConvFlops.TokenizerPerImage(ae, 16) + 3 * features, step.ReconstructionStep);
        Assert.Equal(step.ReconstructionStep, step.AdversarialStep);
    }

    [Fact]
    public void Perceptual_training_has_a_class_per_label_a_line_per_epoch_and_accuracy_in_chunks_is_the_whole_top_1()
    {
        using var scope = NewDisposeScope();
        var images = LearnedTokenizerTestData.ShapesUint8(24, seed: 5);
        var labels = LearnedTokenizerTestData.Labels(24) % 7;                // classes 0..6
        var log = new StringWriter();
        var options = new PerceptualTrainOptions { Epochs = 2, BatchSize = 8, Widths = [4] };
        var (net, accuracy) = PerceptualNetwork.Train(images, labels, images, labels, options, log);
        using var _ = net;
        Assert.Equal(7, net.NumClasses);
        Assert.Equal(accuracy, net.TestAccuracy);
        Assert.Equal(2, log.ToString().Split('\n').Count(l => l.StartsWith("[perceptual] epoch ")));
        Assert.Contains("[perceptual] epoch 2/2 loss ", log.ToString());
        Assert.Contains("[perceptual] test accuracy ", log.ToString());
        Assert.Contains(" on 24 images (", log.ToString());
        // each epoch's line is the mean cross-entropy of its batches: positive and finite
        Assert.All(System.Text.RegularExpressions.Regex.Matches(log.ToString(), @"epoch \d/2 loss (\S+) "),
            match => Assert.InRange(double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 0.01, 10));
        Assert.Throws<ArgumentException>(() => PerceptualNetwork.Train(images, labels[..8], images, labels, options));
        Assert.Throws<ArgumentException>(() => PerceptualNetwork.Train(images[0], labels, images, labels, options));

        using (no_grad())
        {
            double whole = TrainingData.Accuracy(net.forward(TrainingData.ToModelInput(images)), labels);
            Assert.Equal(whole, accuracy, 12);
            Assert.Equal(whole, net.Accuracy(images, labels, chunk: 5), 12);      // 5 + 5 + 5 + 5 + 4
        }

        // one label seen: still a two-class head (cross-entropy needs two)
        var (single, _) = PerceptualNetwork.Train(images[..8], zeros(8, dtype: ScalarType.Int64), images[..8], zeros(8, dtype: ScalarType.Int64),
            options with { Epochs = 1 });
        using var __ = single;
        Assert.Equal(2, single.NumClasses);
    }
}

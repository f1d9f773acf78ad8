using System.Text.Json;
using LDae.Benchmarks;
using LDae.Data;
using LDae.Runtime;
using LDae.Tokenizers.Learned;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Benchmarks;

/// <summary>
/// The tokenizer benchmark on the `cpu` profile's conv VAE with both losses (conv-vae-p4-d4-full: stride 2, one
/// latent channel, 3×32² images, ten classes) at batch 4 on synthetic images: every network's parameter count and
/// forward FLOPs against counts written out layer by layer, which a peer implementation (bench/peer_step.py
/// --model conv-vae) prints too. No timing is asserted.
/// </summary>
public class TokenizerBenchmarkTests
{
    static readonly TokenizerBenchmarkReport Report;

    static TokenizerBenchmarkTests()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        var spec = new LearnedTokenizerSpec { Kind = ConvVae.KindName, Patch = 2, LatentDim = 1, Perceptual = true, Adversarial = true, BatchSize = 4 };
        using var g = new Generator(5, CPU);
        using var train = new ImageDataset("synthetic", randint(0, 256, [12, 3, 32, 32], generator: g).to_type(ScalarType.Byte),
            randint(0, 10, [12], generator: g), Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray());
        var options = new BenchmarkOptions { Row = "conv-vae-p4-d4-full", Profile = "cpu", Steps = 1, WarmupSteps = 1, Threads = 1, MatmulSize = 64, MatmulRepeats = 1 };
        Report = TokenizerBenchmark.Run(options, spec, train, 12, "synthetic: 12 images", TextWriter.Null);
    }

    public TokenizerBenchmarkTests() => TorchRuntime.EnsureLoaded(threads: 1);

    /// <summary>Weights and bias of a k×k conv.</summary>
    static long Conv(long cin, long cout, long k) => cin * cout * k * k + cout;

    /// <summary>GroupNorm scale and shift, then (GroupNorm, SiLU, conv 3×3) twice, a 1×1 conv when the width changes.</summary>
    static long ResBlock(long cin, long cout) => 2 * cin + Conv(cin, cout, 3) + 2 * cout + Conv(cout, cout, 3) + (cin == cout ? 0 : Conv(cin, cout, 1));

    [Fact]
    public void Every_network_of_the_step_reports_its_parameters_counted_layer_by_layer()
    {
        // encoder: conv in 3→8, block 8→8, stride-2 conv 8→8, block 8→16, middle block 16, GroupNorm, conv out 16→2 (mean, log-variance)
        long encoder = Conv(3, 8, 3) + ResBlock(8, 8) + Conv(8, 8, 3) + ResBlock(8, 16) + ResBlock(16, 16) + 2 * 16 + Conv(16, 2, 3);
        // decoder: conv in 1→16, middle block 16, block 16→16, upsampling conv 16→8, block 8→8, GroupNorm, conv out 8→3
        long decoder = Conv(1, 16, 3) + ResBlock(16, 16) + ResBlock(16, 16) + Conv(16, 8, 3) + ResBlock(8, 8) + 2 * 8 + Conv(8, 3, 3);
        long perceptual = Conv(3, 8, 3) + Conv(8, 8, 3) + Conv(8, 16, 3) + Conv(16, 16, 3) + Conv(16, 32, 3) + Conv(32, 32, 3) + (32 * 4 * 4 * 10 + 10);
        long discriminator = Conv(3, 32, 4) + Conv(32, 64, 4) + Conv(64, 1, 4);

        Assert.Equal(22_877, encoder + decoder);
        Assert.Equal(encoder + decoder, Report.Parameters);
        Assert.Equal(new[] { ("conv-vae", encoder + decoder, true), ("perceptual network", perceptual, false), ("discriminator", discriminator, true) },
            Report.Networks.Select(n => (n.Name, n.Parameters, n.Trained)));
        var table = Report.ToTable();
        Assert.Contains("23,314 parameters (frozen, random weights)", table);
        Assert.Contains("35,425 trainable parameters", table);
    }

    [Fact]
    public void Forward_flops_per_network_add_up_to_the_phases()
    {
        // 2 × multiply-adds of each conv at its output size
        static double F(long cin, long cout, long k, long side) => 2.0 * cin * cout * k * k * side * side;
        double encoder = F(3, 8, 3, 32) + 2 * F(8, 8, 3, 32) + F(8, 8, 3, 16) + F(8, 16, 3, 16) + F(16, 16, 3, 16) + F(8, 16, 1, 16) + 2 * F(16, 16, 3, 16) + F(16, 2, 3, 16);
        double decoder = F(1, 16, 3, 16) + 4 * F(16, 16, 3, 16) + F(16, 8, 3, 32) + 2 * F(8, 8, 3, 32) + F(8, 3, 3, 32);
        double perceptual = F(3, 8, 3, 32) + F(8, 8, 3, 32) + F(8, 16, 3, 16) + F(16, 16, 3, 16) + F(16, 32, 3, 8) + F(32, 32, 3, 8);
        double discriminator = F(3, 32, 4, 16) + F(32, 64, 4, 8) + F(64, 1, 4, 7);

        Assert.Equal(new[] { encoder + decoder, perceptual, discriminator }, Report.Networks.Select(n => n.ForwardFlopsPerImage));
        Assert.Equal(3 * (encoder + decoder + perceptual), Report.Phases[0].FlopsPerImage);
        Assert.Equal(Report.Phases[0].FlopsPerImage + 8 * discriminator, Report.Phases[1].FlopsPerImage);
        Assert.Contains("forward 17.392 MFLOP/image", Report.ToTable());
        Assert.Contains("67.658 MFLOP/image", Report.ToTable());
    }

    [Fact]
    public void Json_lists_the_networks()
    {
        using var doc = JsonDocument.Parse(Report.ToJson());
        var networks = doc.RootElement.GetProperty("networks");
        Assert.Equal(3, networks.GetArrayLength());
        Assert.Equal(35_425, networks[2].GetProperty("parameters").GetInt64());
        Assert.Equal(Report.Networks[1].ForwardFlopsPerImage, networks[1].GetProperty("forward_flops_per_image").GetDouble(), 3);
    }
}

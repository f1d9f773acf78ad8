using LDae.Harness.Results;
using LDae.Tests.Reliability;
using Xunit;

namespace LDae.Tests.Fid;

/// <summary>`ldae fid` on a finished ci row, as its own process: a number in metrics.json under the metric's own name, and a sample grid.</summary>
public sealed class FidCommandTests : IDisposable
{
    readonly ScratchCheckout checkout = new();

    [Fact]
    public void Fid_on_a_trained_ci_row_writes_an_fd_classifier_value_and_a_sample_grid()
    {
        var before = LdaeProcess.Run(checkout, TinyRow.Args("fid", "--samples", "16", "--steps", "3"));
        Assert.True(before.Code == 2, before.ToString());
        Assert.Contains("no trained weights", Assert.Single(before.ErrorLines));

        var run = LdaeProcess.Run(checkout, TinyRow.Args());
        Assert.True(run.Code == 0, run.ToString());
        var exit = LdaeProcess.Run(checkout, TinyRow.Args("fid", "--samples", "32", "--steps", "3", "--sampler", "ddpm"));
        Assert.True(exit.Code == 0, exit.ToString());

        var metrics = TinyRow.Metrics(checkout);
        var generation = Assert.IsType<GenerationMetrics>(metrics.Generation);
        Assert.Equal("FD-classifier", generation.Metric);
        Assert.Null(metrics.Fid); // never called FID without Inception-v3
        Assert.True(generation.Value > 0 && double.IsFinite(generation.Value), $"FD {generation.Value}");
        Assert.Equal(32, generation.Samples);
        Assert.Contains("DDPM", generation.Sampler);
        Assert.NotNull(generation.ClassifierTop1);
        var grid = Path.Combine(TinyRow.Paths(checkout).Dir, generation.Grid);
        Assert.True(File.Exists(grid), grid);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(grid)[..4]);
        // the same settings again: kept, not measured again (a clean clone has no weights to measure with)
        var repeat = LdaeProcess.Run(checkout, TinyRow.Args("fid", "--samples", "32", "--steps", "3", "--sampler", "ddpm"));
        Assert.True(repeat.Code == 0, repeat.ToString());
        Assert.Contains("FD-classifier up to date", repeat.Out);
        Assert.Equal(generation, TinyRow.Metrics(checkout).Generation);
        // the row stays up to date: the measurement did not touch its configuration or training numbers
        var again = LdaeProcess.Run(checkout, TinyRow.Args());
        Assert.Contains($"{TinyRow.Row}: up to date", again.Out);
    }

    [Fact]
    public void A_missing_inception_file_is_an_input_error_naming_it()
    {
        var exit = LdaeProcess.Run(checkout, ["fid", "--row", "table1/dit-baseline", "--profile", "ci", "--inception", "/nonexistent/inception.pt"]);
        Assert.True(exit.Code == 2, exit.ToString());
        Assert.Contains("--inception /nonexistent/inception.pt: no such file", Assert.Single(exit.ErrorLines));
    }

    public void Dispose() => checkout.Dispose();
}

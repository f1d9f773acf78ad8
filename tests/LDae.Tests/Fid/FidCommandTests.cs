using LDae.Files;
using LDae.Rows;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Training;
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
        Assert.Contains("has no result of config", Assert.Single(before.ErrorLines));

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
        Assert.Equal(RowGeneration.RealReferenceName, generation.Reference);
        // a value measured against another set of real images (results that recorded none) is measured again
        var paths = TinyRow.Paths(checkout);
        ResultStore.WriteMetrics(paths.Metrics, TinyRow.Metrics(checkout) with { Generation = generation with { Reference = null } });
        var remeasured = LdaeProcess.Run(checkout, TinyRow.Args("fid", "--samples", "32", "--steps", "3", "--sampler", "ddpm"));
        Assert.True(remeasured.Code == 0, remeasured.ToString());
        Assert.DoesNotContain("up to date", remeasured.Out);
        Assert.Equal(generation.Value, TinyRow.Metrics(checkout).Generation!.Value);
        // the row stays up to date: the measurement did not touch its configuration or training numbers
        var again = LdaeProcess.Run(checkout, TinyRow.Args());
        Assert.Contains($"{TinyRow.Row}: up to date", again.Out);
    }

    [Fact]
    public void Fid_of_a_multi_seed_row_measures_every_seed_with_its_own_weights_and_writes_their_mean()
    {
        var run = LdaeProcess.Run(checkout, TinyRow.Args("run", "--seeds", "2"));
        Assert.True(run.Code == 0, run.ToString());
        var store = new ResultStore(checkout.Results);
        var seedOne = store.Row(TinyRow.Profile, SeedRuns.Id(TinyRow.Row, 1));
        var trained = store.TryLoad(TinyRow.Profile, SeedRuns.Id(TinyRow.Row, 1))!;
        File.Delete(Path.Combine(seedOne.Dir, Trainer.WeightsFileName)); // as on a clean clone: results without weights

        var exit = LdaeProcess.Run(checkout, TinyRow.Args("fid", "--seeds", "2", "--samples", "32", "--steps", "3"));
        Assert.True(exit.Code == 0, exit.ToString());
        Assert.Contains("pretraining table3/pca-ddm/seed-1 again", exit.Out);

        var perSeed = Enumerable.Range(1, 2).Select(k => store.TryLoad(TinyRow.Profile, SeedRuns.Id(TinyRow.Row, k))!.Generation!).ToList();
        Assert.NotEqual(perSeed[0].Value, perSeed[1].Value); // each seed's own weights and sampling seed
        var aggregate = TinyRow.Metrics(checkout);
        Assert.Equal(Math.Round((perSeed[0].Value + perSeed[1].Value) / 2, 4), aggregate.Generation!.Value, 4);
        Assert.Equal(2, aggregate.Seeds!.Generation!.N);
        Assert.True(File.Exists(Path.Combine(TinyRow.Paths(checkout).Dir, aggregate.Generation.Grid)), aggregate.Generation.Grid);
        // pretraining seed 1 again left its published result as it was
        Assert.Equal(trained.ProbeTop1, store.TryLoad(TinyRow.Profile, SeedRuns.Id(TinyRow.Row, 1))!.ProbeTop1);
    }

    [Fact]
    public void The_real_reference_is_a_fixed_random_draw_whose_halves_cover_every_class_of_a_class_sorted_test_set()
    {
        // An ImageFolder test set, class by class: 10 classes of 1,000 images.
        int[] label = [.. Enumerable.Range(0, 10_000).Select(i => i / 1_000)];
        var reference = RowGeneration.RealReference(10_000, 5_000);
        Assert.Equal(5_000, reference.Distinct().Count());
        Assert.Equal(reference, RowGeneration.RealReference(10_000, 5_000));
        foreach (var half in new[] { reference[..2_500], reference[2_500..] })
        {
            var perClass = half.GroupBy(i => label[i]).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(10, perClass.Count);
            Assert.All(perClass.Values, n => Assert.InRange(n, 150, 350)); // 250 expected per class
        }
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

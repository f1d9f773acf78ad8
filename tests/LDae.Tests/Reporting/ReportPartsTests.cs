using LDae.Harness.Results;
using LDae.Reporting;
using Xunit;

namespace LDae.Tests.Reporting;

public class ReportPartsTests
{
    [Fact]
    public void Training_log_reads_steps_and_probe_points_and_skips_what_it_cannot_read()
    {
        var log = TrainingLog.Parse([
            """{"step": 0, "loss": 1.5, "lr": 0.001, "unknown": [1, 2]}""",
            """{"step": 10, "loss": 0.9, "subspace": 0.5, "residual": 4.0}""",
            """{"epoch": 1, "probe_top1": 71.25}""",
            """{"step": 10, "loss": 0.8}""",       // a resumed run logs step 10 again: the last one wins
            """{"step": 20, "loss": "NaN"}""",     // diverged: counted, not plotted
            """{"note": "no step"}""",
            "",
            """{"step": 30, "loss": 0.""",         // interrupted write
        ]);
        Assert.Equal([0L, 10L], log.Loss.Select(p => p.Step));
        Assert.Equal([1.5, 0.8], log.Loss.Select(p => p.Loss));
        Assert.Null(log.Loss[1].Subspace);
        Assert.Equal([new ProbePoint(1, 71.25)], log.Probe);
        Assert.Equal(1, log.SkippedLines);
        Assert.Equal(1, log.NonFiniteLosses);
        Assert.False(log.HasLossParts);
        Assert.True(TrainingLog.Parse(["""{"step": 1, "loss": 2, "subspace": 1.5, "residual": 5}"""]).HasLossParts);
        Assert.Same(TrainingLog.Empty, TrainingLog.Read("/nonexistent/log.jsonl"));
    }

    [Fact]
    public void Numbers_have_fixed_invariant_formats()
    {
        Assert.Equal("64.5", Format.Percent(64.45000001));
        Assert.Equal("0.0", Format.Percent(-0.01));
        Assert.Equal("+4.6", Format.Delta(62.1 - 57.5));
        Assert.Equal("-0.2", Format.Delta(-0.2));
        Assert.Equal("0.0", Format.Delta(-0.04)); // never "-0.0"
        Assert.Equal("1:02:05", Format.Duration(3725.4));
        Assert.Equal("1234", Format.Rate(1234.4));
        Assert.Equal("2025-06-01 08:00:00 UTC", Format.Utc(new DateTimeOffset(2025, 6, 1, 10, 0, 0, TimeSpan.FromHours(2))));
        Assert.Equal("a \\| b", Format.Cell("a | b"));
    }

    [Fact]
    public void With_no_results_every_row_is_not_run_or_not_available_and_the_report_still_renders()
    {
        var root = Path.Combine(Path.GetTempPath(), "ldae-empty-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            double[] g2 = [1.0, 0.5, 0.0], s2 = [0.0, 0.5, 1.0];
            var output = Report.Write(ReportFixture.Registry, new ResultStore(root), "ci", schedules: [("linear-gamma2", g2, s2)]);
            Assert.Equal(Path.Combine(root, "ci", "report"), output.Directory);
            var md = output.Markdown;
            var rows = ReportFixture.Registry.Rows.Count();
            Assert.Contains($"- Results: 0 of {rows} rows completed;", md);
            Assert.Contains("No row has a result at profile `ci` yet.", md);
            Assert.Contains("has no result yet (not run): whether it beats the random-init encoder cannot be judged.", md);
            // No number in any "Ours" cell: every row line says why it has none.
            var lines = md.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\| \d+ \|")).ToList();
            Assert.Equal(rows, lines.Count);
            Assert.All(lines, l => Assert.True(l.Contains("*not run*") || l.Contains("*not available yet: needs ") || l.Contains("*not at this profile: "), l));
            // No result of ours: no Δ bars, no sweep, no training curves, only the schedules; each missing figure is a line of text.
            Assert.Equal(["schedules.png"], output.Figures.Where(f => f.Drawn).Select(f => f.File));
            Assert.Equal(["schedules.png"], Directory.GetFiles(output.Directory, "*.png", SearchOption.AllDirectories).Select(Path.GetFileName));
            Assert.Contains("*No linear-probe top-1 Δ figure: no step of this table has our value on both rows yet.*", md);
            Assert.Contains("*No latent-dimension figure: no row of the sweep has our result yet.*", md);
            Assert.Contains("## Noise schedules\n\n![", md);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void A_fine_tuned_row_adds_its_recipe_to_how_the_rows_were_probed_not_an_unrecorded_probe_optimizer()
    {
        var root = Path.Combine(Path.GetTempPath(), "ldae-ft-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = new ResultStore(root);
            ProbeSetup Setup(string features, string optimizer) => new() { T = 10, Blocks = 2, Features = features, Optimizer = optimizer };
            ReportFixture.WriteSeeds(store, "table4/l-dae-base", [ReportFixture.Seed("table4/l-dae-base", 1, 60) with { Probe = Setup("cached", "sgd") }]);
            ReportFixture.WriteSeeds(store, "finetune/l-dae-base", [ReportFixture.Seed("finetune/l-dae-base", 1, 58) with { Probe = Setup(ProbeSetup.FineTuned, "adamw") }]);

            var md = Report.Write(ReportFixture.Registry, store, ReportFixture.Profile).Markdown;
            Assert.Contains("- The linear probe of this run: cached features (one pass of the frozen encoder over the stored images, no augmentation); "
                + "for the Appendix B rows, no probe: the encoder fine-tuned end to end (the table's recipe, AdamW); momentum SGD.\n", md);
            Assert.DoesNotContain("optimizer not recorded", md);
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
    }

    /// <summary>Table 1 with our probe and Fréchet distance over seeds, Table 4 with MAE beside l-DAE: the plot and the lines those give.</summary>
    [Fact]
    public void Table_1s_distances_give_the_accuracy_vs_distance_plot_and_table_4_its_method_gaps()
    {
        var root = Path.Combine(Path.GetTempPath(), "ldae-fd-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = new ResultStore(root);
            void Write(string row, double top1, double? distance = null, double imagesPerSecond = 1000)
            {
                var seeds = new[] { -0.5, 0.5 }.Select((offset, i) => ReportFixture.Seed(row, i + 1, top1 + offset) with
                {
                    PretrainSeconds = 60,
                    ImagesPerSecond = imagesPerSecond,
                    Generation = distance is { } d ? new GenerationMetrics
                    {
                        Metric = "FD-classifier", Value = d + offset, FeatureNetwork = "classifier", Samples = 5000, Sampler = "DDIM (η = 0), 50 steps",
                        Steps = 50, SampleSeconds = 30, Grid = "figures/samples.png",
                    } : null,
                }).ToList();
                ReportFixture.WriteSeeds(store, row, seeds);
            }
            Write("table1/dit-baseline", 70, 5);
            Write("table1/remove-class-conditioning", 72, 9);
            Write("table1/remove-perceptual-loss", 75, 20);
            Write("table4/l-dae-base", 60, imagesPerSecond: 1000);
            Write("table4/mae-base", 64, imagesPerSecond: 3000);

            var output = Report.Write(ReportFixture.Registry, store, ReportFixture.Profile);
            var plot = Assert.Single(output.Figures, f => f.File == "table1-accuracy-vs-distance.png");
            Assert.True(File.Exists(Path.Combine(output.Directory, plot.File!)));
            Assert.Contains("No FID Δ figure: our generation metric is FD-classifier", output.Markdown); // never drawn on the paper's FID axis
            Assert.Contains("| 5 ± 0.707 (n=2) |", output.Markdown);  // our distance over seeds: mean ± sd
            Assert.Contains("- l-DAE, ViT-B − MAE, ViT-B: paper -1.4, ours -4.0", output.Markdown);
            Assert.Contains("pretraining 1000 vs 3000 images/s", output.Markdown);
            Assert.Contains("| Seeds per row | 2 |", output.Markdown);  // the seeds each row ran, not seed 1's train.seed
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
    }

    /// <summary>Each seed is a run of its own: the provenance table counts every seed's commit and machine, not seed 1's for all three.</summary>
    [Fact]
    public void Provenance_counts_each_seeds_own_commit_and_machine()
    {
        var root = Path.Combine(Path.GetTempPath(), "ldae-prov-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var store = new ResultStore(root);
            const string row = "table3/pca-ddm";
            var seeds = new[] { 1, 2, 3 }.Select(k =>
            {
                var seed = ReportFixture.Seed(row, k, 60 + k);
                return seed with
                {
                    WallSeconds = 100,
                    Provenance = seed.Provenance with { GitCommit = k == 1 ? "aaaa" : "bbbb", Machine = k == 3 ? "host-b" : "host-a", Blas = null },
                };
            }).ToList();
            ReportFixture.WriteSeeds(store, row, seeds);

            var markdown = Report.Write(ReportFixture.Registry, store, ReportFixture.Profile).Markdown;
            Assert.Contains("From the metrics.json of the 1 completed row and of each seed of a row of several: 3 runs", markdown);
            Assert.Contains("| Commits | `aaaa` (clean, 1 run), `bbbb` (clean, 2 runs) |", markdown);
            Assert.Contains("| Machines and BLAS kernels (wall time and images/s compare within one) | host-a; BLAS not recorded (2 runs), host-b; BLAS not recorded (1 run) |", markdown);
            Assert.Contains("| Seeds per row | 3 |", markdown);
            Assert.Contains("| Total wall time of the runs | 0:05:00 |", markdown);

            File.Delete(store.Row(ReportFixture.Profile, $"{row}/seed-2").Metrics);
            var missing = Assert.Throws<InvalidDataException>(() => Report.Write(ReportFixture.Registry, store, ReportFixture.Profile));
            Assert.Equal($"{row}: its metrics.json aggregates {row}/seed-2, whose metrics.json is missing", missing.Message);
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
    }
}

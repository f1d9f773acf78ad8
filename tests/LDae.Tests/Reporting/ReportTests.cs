using System.Text.RegularExpressions;
using LDae.Reporting;
using SkiaSharp;
using Snapshooter.Xunit;
using Xunit;

namespace LDae.Tests.Reporting;

public class ReportTests(ReportFixture fx) : IClassFixture<ReportFixture>
{
    string Md => fx.Output.Markdown;

    /// <summary>The table line of a row, found by its title cell.</summary>
    string Line(string title) => Md.Split('\n').Single(l => l.StartsWith("| ", StringComparison.Ordinal) && (l.Contains($"| {title} |") || l.Contains($"| {title} (vs ")));

    static string[] Cells(string line) => line.Trim().Trim('|').Split(" | ").Select(c => c.Trim()).ToArray();

    [Fact]
    public void Markdown_report_of_the_fixture_matches_the_snapshot() => Snapshot.Match(Md);

    [Fact]
    public void The_same_results_give_byte_identical_markdown()
    {
        var again = Report.Write(ReportFixture.Registry, fx.Store, ReportFixture.Profile, Path.Combine(fx.Root, "report-again"));
        Assert.Equal(File.ReadAllBytes(fx.Output.MarkdownPath), File.ReadAllBytes(again.MarkdownPath));
        Assert.DoesNotContain(fx.Root, Md); // only relative paths
    }

    [Fact]
    public void A_row_without_result_is_not_run_and_a_row_the_profile_cannot_run_says_why()
    {
        var single = Cells(Line("single noise level"));
        Assert.Equal(["7", "single noise level", "61.5", "*not run*", "—", "-3.0", "—", "—", "—", "—", "—"], single);
        Assert.Contains("*not run*", Cells(Line("MAE, ViT-B")));
        Assert.Contains("*not at this profile: probing after k blocks needs 1 ≤ k ≤ depth − 1 = 3*", Cells(Line("k = depth/2 + 2 (paper: 14 of 24)")));
        Assert.Contains("- Not run: ", Md);
        Assert.Contains("`table3/single-noise-level`", Md.Split('\n').Single(l => l.StartsWith("- Not run: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Deltas_follow_the_previous_row_rule_and_directions_are_compared()
    {
        // Paper 62.4 → 63.6 (+1.2), ours 83.1 → 82.9 (−0.2): disagree.
        Assert.Equal(["3", "remove input scaling", "63.6", "82.9", "80.0", "+1.2", "-0.2", "✗", "1,203,456", "0:10:52", "403"], Cells(Line("remove input scaling")));
        // The paper shows no change (63.6 → 63.6): nothing to agree with.
        Assert.Equal("—", Cells(Line("operate on image input with inverse PCA"))[7]);
        // A sweep row is compared with the row it starts from, not the row printed above it.
        var d8 = Cells(Line("patch-wise PCA, d = D/96 (vs patch-wise PCA)"));
        Assert.Equal(["18", "patch-wise PCA, d = D/96 (vs patch-wise PCA)", "1", "56.0", "82.5", "79.0", "-9.1", "-1.5", "✓", "1,203,456", "0:10:40", "410"], d8); // 82.5 − 84.0; d = max(1, round(64/96))
        Assert.Contains("- Table 3: 3 of 4 comparable steps agree in direction with the paper. Disagree: remove input scaling (paper +1.2, ours -0.2). Not comparable: 1 step where the paper shows no change, 1 step without both results.\n", Md);
        Assert.Contains("- Table 1: no step can be compared with the paper yet. Not comparable: 4 steps without both results.\n", Md);
        Assert.Contains("clearly beats the random-init encoder: 85.0 vs 71.3 (+13.7 points", Md);
    }

    [Fact]
    public void The_probe_studies_show_the_probe_setting_and_the_report_says_how_the_rows_were_probed()
    {
        // # | Row | Probe | Paper | Ours | kNN | …: the probe's t and input, the paper's number, ours.
        var t20 = Cells(Line("t = 20, noisy input"));
        Assert.Equal(["8", "t = 20, noisy input", "t = 20, noisy", "65.0", "85.6", "81.2"], t20[..6]);
        Assert.Equal("t = 0, clean", Cells(Line("t = 0, clean input"))[2]);
        // the encoder/decoder split: k of the depth where this profile's model has the split, — where it has none
        Assert.Equal("3 of 4", Cells(Line("k = depth/2 + 1 (paper: 13 of 24)"))[2]);
        Assert.Equal("—", Cells(Line("k = depth/2 + 2 (paper: 14 of 24)"))[2]);
        Assert.Contains("*not at this profile: probing after k blocks needs 1 ≤ k ≤ depth − 1 = 3*", Line("k = depth/2 + 2 (paper: 14 of 24)"));
        // one fixture row records its probe (cached, SGD); the others predate the record
        Assert.Contains("- The linear probe of this run: cached features (one pass of the frozen encoder over the stored images, no augmentation); features not recorded; momentum SGD, optimizer not recorded.\n", Md);
        Assert.Contains("| Probe features | cached, not recorded |", Md);
    }

    [Fact]
    public void A_result_of_another_configuration_is_marked_stale()
    {
        Assert.Equal("76.3 †", Cells(Line("patch-wise PCA, d = D (vs patch-wise PCA)"))[4]);
        Assert.Equal("84.0", Cells(Line("patch-wise PCA"))[4]);
        Assert.Contains("(†, to re-run): `table2/sweep-pca-d768`", Md);
        Assert.DoesNotContain("†", Line("remove input scaling"));
    }

    [Fact]
    public void Provenance_lists_distinct_values_from_the_metrics()
    {
        Assert.Contains("| Commits | `3f2a9c1e` (clean, 9 runs), `b7e04d2a` (dirty, 6 runs) |", Md);
        Assert.Contains("| First run started | 2025-06-01 08:00:00 UTC |", Md);
        Assert.DoesNotContain("generated", Md, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Html_embeds_every_figure_that_exists_and_nothing_else()
    {
        var html = File.ReadAllText(fx.Output.HtmlPath);
        var sources = Regex.Matches(html, "<img src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        var files = Directory.GetFiles(fx.Output.Directory, "*.png", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(fx.Output.Directory, f).Replace(Path.DirectorySeparatorChar, '/')).Order().ToList();
        Assert.Equal(files, sources.Order().ToList());
        Assert.Equal(
            ["compute-step-1.png", "compute-step-2.png", "compute-step-3.png",
             "rows/table3/predict-original-image/denoising.png", "shared/pca-basis.png", "table2-latent-dim.png", "table2-loss.png", "table2-steps.png",
             "table3-loss-parts.png", "table3-loss.png", "table3-probe.png", "table3-steps.png"],
            files);
        Assert.Contains("<table>", html);
        Assert.Contains("<style>", html);
        Assert.DoesNotContain("<link", html); // self-contained
    }

    [Fact]
    public void Every_figure_of_the_report_is_a_decodable_non_empty_png_at_the_embedded_width()
    {
        var drawn = fx.Output.Figures.Where(f => f.Drawn).ToList();
        Assert.NotEmpty(drawn);
        foreach (var f in drawn)
        {
            var path = Path.Combine(fx.Output.Directory, f.File!);
            using var bmp = SKBitmap.Decode(path);
            Assert.True(bmp is not null, $"{f.File} does not decode as an image");
            Assert.True(bmp.Width >= 100 && bmp.Height >= 100, $"{f.File}: {bmp.Width}×{bmp.Height}");
            if (!f.File!.Contains('/')) Assert.Equal(900, bmp.Width); // the report's own plots; copied row figures keep their size
            Assert.True(DistinctColours(bmp) > 8, $"{f.File}: an almost blank image");
        }
    }

    [Fact]
    public void The_markdown_references_exactly_the_figures_written()
    {
        var referenced = Regex.Matches(Md, @"!\[[^\]]*\]\(([^)]+)\)").Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();
        var written = Directory.GetFiles(fx.Output.Directory, "*.png", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(fx.Output.Directory, f).Replace(Path.DirectorySeparatorChar, '/')).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(written, referenced);
        Assert.Equal(written, fx.Output.Figures.Where(f => f.Drawn).Select(f => f.File!).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void A_metric_without_values_of_ours_gets_a_line_of_text_not_a_plot()
    {
        // Table 1 of the fixture: no row of ours completed, and no FID anywhere.
        var table1 = fx.Output.Figures.Where(f => f.Section == "table1").ToList();
        Assert.All(table1, f => Assert.False(f.Drawn, f.File));
        Assert.Equal(
            ["No linear-probe top-1 Δ figure: no step of this table has our value on both rows yet.",
             "No FID Δ figure: no step of this table has our value on both rows yet.",
             "No accuracy-vs-FID figure: fewer than two rows have both our linear-probe top-1 and a generation distance (`./build.sh --target=table1/<row>/fid`)."],
            table1.Select(f => f.Caption));
        Assert.Empty(Directory.GetFiles(fx.Output.Directory, "table1-*.png"));
        Assert.Contains("\n*No FID Δ figure: no step of this table has our value on both rows yet.*\n", Md);
    }

    [Fact]
    public void Delta_bars_draw_ours_where_we_have_a_step_and_the_sweep_has_both_panels()
    {
        // Ours (blue) on Table 3's Δ bars: five steps with both rows measured, so many pixels of exactly that colour.
        var ours = new SKColor(0x1f, 0x77, 0xb4);
        Assert.True(CountColour(Path.Combine(fx.Output.Directory, "table3-steps.png"), ours) > 2000);
        using var sweep = SKBitmap.Decode(Path.Combine(fx.Output.Directory, "table2-latent-dim.png"));
        Assert.Equal((900, 800), (sweep.Width, sweep.Height)); // the paper's panel above ours
    }

    [Fact]
    public void A_figure_identical_for_several_rows_is_published_once_in_the_shared_section()
    {
        var shared = Assert.Single(fx.Output.Figures, f => f.Section == ReportFigures.SharedSection);
        Assert.Equal("shared/pca-basis.png", shared.File);
        Assert.Equal("pca-basis: the same image for 2 rows (`table3/pca-ddm`, `table3/predict-original-image`)", shared.Caption);
        Assert.DoesNotContain(fx.Output.Figures, f => f.File?.EndsWith("/pca-basis.png", StringComparison.Ordinal) == true && f.File != shared.File);
        Assert.Contains("## Figures shared by several rows\n\n![pca-basis", Md);
    }

    static int DistinctColours(SKBitmap bmp)
    {
        var seen = new HashSet<SKColor>();
        for (int y = 0; y < bmp.Height; y += 3)
            for (int x = 0; x < bmp.Width; x += 3)
                if (seen.Add(bmp.GetPixel(x, y)) && seen.Count > 64) return seen.Count;
        return seen.Count;
    }

    [Fact]
    public void Schedules_in_use_are_those_of_the_completed_rows() =>
        Assert.Equal(["linear-gamma2"], Report.SchedulesInUse(ReportFixture.Registry, fx.Store, ReportFixture.Profile));

    [Fact]
    public void The_log_notes_a_line_it_could_not_read()
    {
        Assert.Contains("`table3/remove-input-scaling`: 1 line of log.jsonl could not be read and was skipped.", Md);
    }

    internal static int CountColour(string path, SKColor colour)
    {
        using var bmp = SKBitmap.Decode(path);
        int n = 0;
        for (int y = 0; y < bmp.Height; y++)
            for (int x = 0; x < bmp.Width; x++)
                if (bmp.GetPixel(x, y) is var p && Math.Abs(p.Red - colour.Red) + Math.Abs(p.Green - colour.Green) + Math.Abs(p.Blue - colour.Blue) < 24) n++;
        return n;
    }
}

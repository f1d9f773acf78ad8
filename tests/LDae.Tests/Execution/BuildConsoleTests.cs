using LDae.Harness.Execution;
using LDae.Harness.Results;
using LDae.Harness.Summary;
using Xunit;

namespace LDae.Tests.Execution;

/// <summary>The build's own output: escape codes only where they belong, the summary table, the live job table.</summary>
public class BuildConsoleTests
{
    [Theory]
    [InlineData(false, null, "xterm", true)]
    [InlineData(true, null, "xterm", false)]   // piped or logged
    [InlineData(false, "1", "xterm", false)]   // NO_COLOR
    [InlineData(false, "", "xterm", true)]     // an empty NO_COLOR does not count (no-color.org)
    [InlineData(false, null, "dumb", false)]
    public void Escape_codes_only_on_a_terminal_without_NO_COLOR(bool redirected, string? noColor, string term, bool ansi)
    {
        Assert.Equal(ansi, BuildConsole.AnsiAllowed(redirected, noColor, term));
        var console = new BuildConsole(new StringWriter(), ansi, interactive: false);
        Assert.Equal(ansi, console.Paint("ran", Tone.Good).Contains('\u001b'));
        Assert.False(console.Confirm("cancel?")); // nobody to answer: no
    }

    static BuildSummary Summary()
    {
        using var results = new TempTree("sum"); // read into the summary before it is deleted
        BuildTestFiles.WriteResult(results, "table3/pca-ddm", 71.04);
        BuildTestFiles.WriteResult(results, "table3/predict-clean-data", 73.5);
        BuildTestFiles.WriteResult(results, "table3/remove-input-scaling", 72.0);
        var outcomes = new Dictionary<string, RowOutcome>
        {
            ["table3/predict-clean-data"] = new(RowStatus.Ran),
            ["table3/remove-input-scaling"] = new(RowStatus.UpToDate),
            ["table3/image-input-inverse-pca"] = new(RowStatus.Failed, "job 12 FAILED"),
        };
        return BuildSummary.Of(BuildTestFiles.Registry, new ResultStore(results), "ci", "table3", "slurm", outcomes,
            ["table3/image-input-inverse-pca: job 12 FAILED, exit code 1:0; log results/ci/slurm/table3/image-input-inverse-pca.12.log"]);
    }

    [Fact]
    public void The_summary_holds_the_build_rows_in_table_order_with_the_paper_ours_delta_and_verdict()
    {
        var summary = Summary();
        Assert.Equal(["table3/predict-clean-data", "table3/remove-input-scaling", "table3/image-input-inverse-pca"], summary.Rows.Select(r => r.Row.FullId));
        var clean = summary.Rows[0];
        var paper = clean.Paper!.Value;
        var paperPrevious = BuildTestFiles.Registry.Row("table3/pca-ddm").Paper.Acc!.Value;
        Assert.Equal(StepComparison.Of(paper, paperPrevious, 73.5, 71.04), clean.Step);
        var cells = SummaryTable.Cells(clean);
        Assert.Equal(["table3/predict-clean-data", "ran", Format.Percent(paper), "73.5",
            $"+2.5 (paper {Format.Delta(paper - paperPrevious)})", paper < paperPrevious ? "disagrees" : "agrees"], cells);
        // The failed row has no number of its own, and its step cannot be judged.
        Assert.Equal(["FAILED", "—"], SummaryTable.Cells(summary.Rows[2]).Skip(1).Where((_, i) => i is 0 or 2));
        Assert.Equal("—", SummaryTable.Cells(summary.Rows[2])[5]);
        Assert.True(summary.Failed);
    }

    [Fact]
    public void Verdicts_say_agrees_disagrees_no_change_or_nothing()
    {
        Assert.Equal("agrees", SummaryTable.Verdict(new StepComparison(-2.7, -0.1)));
        Assert.Equal("disagrees", SummaryTable.Verdict(new StepComparison(1.2, -0.2)));
        Assert.Equal("paper: no change", SummaryTable.Verdict(new StepComparison(0.0, 0.5)));
        Assert.Equal("—", SummaryTable.Verdict(new StepComparison(1.2, null)));
        Assert.Equal("—", SummaryTable.Delta(new StepComparison(null, null)));
        Assert.Equal("— (paper +1.2)", SummaryTable.Delta(new StepComparison(1.2, null)));
    }

    [Fact]
    public void The_terminal_table_and_summary_md_show_the_same_cells()
    {
        var summary = Summary();
        var plain = SummaryTable.ConsoleLines(summary, BuildConsole.Plain(new StringWriter()));
        var md = SummaryTable.Markdown(summary);
        Assert.Equal("Rows (ci, slurm):", plain[0]);
        Assert.Equal(["row", "status", "paper", "ours", "Δ vs previous row", "verdict"], plain[1].Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (var row in summary.Rows)
        {
            var cells = SummaryTable.Cells(row);
            Assert.Contains(plain, l => l.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).SequenceEqual(cells));
            Assert.Contains($"| `{cells[0]}` | {string.Join(" | ", cells.Skip(1))} |", md);
        }
        Assert.Contains("  1 ran, 1 up to date, 1 FAILED", plain);
        Assert.Contains(plain, l => l.Contains("failed: table3/image-input-inverse-pca: job 12 FAILED, exit code 1:0; log results/ci/slurm/"));
        Assert.DoesNotContain(plain, l => l.Contains('\u001b'));
        Assert.Contains(SummaryTable.ConsoleLines(summary, new BuildConsole(new StringWriter(), ansi: true, interactive: false)), l => l.Contains('\u001b'));
    }

    [Fact]
    public void The_live_table_prints_changes_as_plain_lines_and_redraws_in_place_on_a_terminal()
    {
        var step = new BuildStep("table3/pca-ddm", StepKind.Row, [], "x");
        var run = new StepRun(step) { JobId = "17", State = StepState.Queued, Detail = "Dependency" };
        var plainOut = new StringWriter();
        var plain = new FollowTable(BuildConsole.Plain(plainOut));
        plain.Show([run]);
        plain.Show([run]); // unchanged: nothing printed
        run.State = StepState.Running;
        run.Progress = 0.43;
        plain.Show([run]);
        var lines = plainOut.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.EndsWith("table3/pca-ddm (job 17): queued — Dependency", lines[0]);
        Assert.EndsWith("table3/pca-ddm (job 17): running", lines[1]);

        var ansiOut = new StringWriter();
        var live = new FollowTable(new BuildConsole(ansiOut, ansi: true, interactive: false));
        live.Show([run]);
        live.Show([run]);
        Assert.Contains("\u001b[1F\u001b[J", ansiOut.ToString()); // back up one line and redraw
        Assert.Contains(" 43 %", ansiOut.ToString());
    }

    [Fact]
    public void Progress_is_the_last_logged_epoch_over_the_row_epochs()
    {
        using var dir = new TempTree("progress");
        var log = Path.Combine(dir, "log.jsonl");
        Assert.Null(RowProgress.Read(log, 3));
        File.WriteAllText(log, "{\"step\":10,\"epoch\":0.5,\"loss\":1}\n{\"step\":20,\"epoch\":1.5,\"loss\":0.9}\n{\"step\":30,\"ep");
        Assert.Equal(0.5, RowProgress.Read(log, 3));
        Assert.Equal(1.0, RowProgress.Read(log, 1));
    }
}

using System.Text.Json;
using LDae.Harness.Results;
using LDae.Training;
using Xunit;

namespace LDae.Tests.Reliability;

/// <summary>
/// What may happen to a finished row, each as its own `ldae` process: it is never destroyed before a new result is
/// complete, an up-to-date run writes nothing, a re-probe keeps its training numbers, and what a user wants from a
/// run (console log, training curve as CSV, overrides, the data's hash) is there.
/// </summary>
[Collection(FinishedRowCollection.Name)]
public sealed class FinishedRowTests(FinishedRow finished)
{
    readonly ScratchCheckout checkout = finished.Checkout;

    [Fact]
    public void An_up_to_date_run_says_so_writes_nothing_and_a_false_force_does_not_force()
    {
        var before = checkout.SnapshotResults();
        foreach (var extra in new[] { Array.Empty<string>(), ["--force=false"], ["--force", "false"] })
        {
            var exit = LdaeProcess.Run(checkout, TinyRow.Args("run", extra));
            Assert.True(exit.Code == 0, exit.ToString());
            Assert.Contains($"{TinyRow.Row}: up to date", exit.Out);
            Assert.DoesNotContain("wrote", exit.Out);
            Assert.Equal(before, checkout.SnapshotResults());
        }
    }

    [Fact]
    public void A_forced_run_on_a_device_that_is_not_there_fails_before_touching_the_result()
    {
        var before = checkout.SnapshotResults();
        var exit = LdaeProcess.Run(checkout, TinyRow.Args("run", "--force", "--device", "cuda"));
        Assert.True(exit.Code == 2, exit.ToString());
        Assert.Contains("--device cuda: no CUDA device", Assert.Single(exit.ErrorLines));
        Assert.Equal(before, checkout.SnapshotResults());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_forced_run_on_a_read_only_results_folder_fails_at_once_naming_the_folder()
    {
        var before = checkout.SnapshotResults();
        var exit = ReadOnlyResults.Run(checkout, TinyRow.Args("run", "--force"));
        Assert.True(exit.Code == 2, exit.ToString());
        Assert.True(exit.Took < TimeSpan.FromMinutes(1), exit.ToString());
        var line = Assert.Single(exit.ErrorLines);
        Assert.Contains(checkout.Results, line);
        Assert.Contains("not writable", line);
        Assert.DoesNotContain("waiting", exit.Out);
        Assert.Equal(before, checkout.SnapshotResults());
    }

    [Fact]
    public void A_re_probe_keeps_the_training_numbers_and_the_row_stays_up_to_date()
    {
        var trained = TinyRow.Metrics(checkout);
        var exit = LdaeProcess.Run(checkout, TinyRow.Args("probe"));
        Assert.True(exit.Code == 0, exit.ToString());
        Assert.Contains("wrote", exit.Out);
        var probed = TinyRow.Metrics(checkout);
        Assert.Equal((trained.FinalLoss, trained.FinalLossSubspace, trained.PretrainSteps, trained.PretrainSeconds, trained.ImagesPerSecond, trained.Parameters),
            (probed.FinalLoss, probed.FinalLossSubspace, probed.PretrainSteps, probed.PretrainSeconds, probed.ImagesPerSecond, probed.Parameters));
        Assert.NotNull(probed.FinalLoss);
        Assert.True(probed.PretrainSteps > 0);
        Assert.Equal((trained.ProbeTop1, trained.KnnTop1), (probed.ProbeTop1, probed.KnnTop1)); // same weights, same seeded probe
        Assert.NotEqual(trained.Provenance.StartedUtc, probed.Provenance.StartedUtc);

        var again = LdaeProcess.Run(checkout, TinyRow.Args());
        Assert.True(again.Code == 0, again.ToString());
        Assert.Contains("up to date", again.Out);
    }

    [Fact]
    public void The_row_keeps_its_console_log_its_training_curve_as_csv_its_overrides_and_the_hash_of_its_data()
    {
        var paths = TinyRow.Paths(checkout);
        var console = File.ReadAllText(paths.Console);
        Assert.Contains("training for 32 steps", console);
        Assert.Contains($"{TinyRow.Row}: linear probe top-1", console);

        var log = TrainLogEntry.ReadAll(paths.Log);
        var csv = File.ReadAllLines(paths.Curve);
        Assert.Equal("step,epoch,lr,loss,grad_norm,images_per_s,elapsed_s", csv[0]);
        Assert.Equal(log.Count, csv.Length - 1);
        Assert.Equal(log.Select(e => e.Step.ToString()), csv.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal(log[^1].Loss, double.Parse(csv[^1].Split(',')[3], System.Globalization.CultureInfo.InvariantCulture));

        var config = File.ReadAllText(paths.Config);
        Assert.Contains("# --set train.epochs=4 (scale: resizes the row)", config);
        Assert.Contains("  epochs: 4\n", config);
        var metrics = TinyRow.Metrics(checkout);
        Assert.Equal("4", metrics.Overrides!["train.epochs"]);
        Assert.Equal(TinyRow.Budget.Length / 2, metrics.Overrides.Count);
        Assert.Matches("^[0-9a-f]{64}$", metrics.Provenance.DataSha256);
        using var json = JsonDocument.Parse(File.ReadAllText(paths.Metrics));
        Assert.Equal(metrics.Provenance.DataSha256, json.RootElement.GetProperty("provenance").GetProperty("data_sha256").GetString());
        // The data's content digest, as the data layer gives it now, and metrics.json with its SHA-256 beside it.
        LDae.Runtime.TorchRuntime.EnsureLoaded(threads: 1);
        Assert.Equal(LDae.Data.Datasets.ContentDigest(new LDae.Data.DatasetSpec("fashion-mnist", ImageSize: 32), ScratchCheckout.DataCache), metrics.DataDigest);
        Assert.Equal(metrics.DataDigest, json.RootElement.GetProperty("data_digest").GetString());
        Assert.True(LDae.Files.VerifiedFile.Check(paths.Metrics).Usable);

        // Nothing of the run's working state is left beside the row.
        Assert.False(Directory.Exists(paths.Staging));
        Assert.False(Directory.Exists(paths.Retired));
    }
}

/// <summary>Runs `ldae` with the scratch checkout's results/ read-only, as on a read-only mount (Linux).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
static class ReadOnlyResults
{
    public static LdaeExit Run(ScratchCheckout checkout, string[] args)
    {
        if (Environment.UserName != "root")
        {
            // An ordinary user: taking the write permission away is enough.
            var modes = Directory.EnumerateFileSystemEntries(checkout.Results, "*", SearchOption.AllDirectories).Append(checkout.Results)
                .Where(Directory.Exists).ToDictionary(d => d, d => File.GetUnixFileMode(d));
            try
            {
                foreach (var (d, m) in modes) File.SetUnixFileMode(d, m & ~(UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
                return LdaeProcess.Run(checkout, args);
            }
            finally
            {
                foreach (var (d, m) in modes) File.SetUnixFileMode(d, m);
            }
        }
        // root writes through permissions: mount the folder read-only over itself in a private mount namespace.
        var results = checkout.Results.Replace("'", "'\\''");
        return LdaeProcess.Run(checkout, args,
            wrapper: $"unshare -m sh -c 'mount --bind \"$1\" \"$1\" && mount -o remount,ro,bind \"$1\" \"$1\" && shift && exec \"$@\"' sh '{results}' \"$0\" \"$@\"");
    }
}

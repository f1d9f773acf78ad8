using LDae.Files;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using Xunit;

namespace LDae.Tests.Harness;

public class ResultStoreTests
{
    static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ldae-res-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    const string Data = "da7a0000da7a0000da7a0000da7a0000da7a0000da7a0000da7a0000da7a0000";

    static RowMetrics Metrics(string hash) => new()
    {
        Row = "table3/pca-ddm", Profile = "ci", ConfigHash = hash, Tokenizer = "pca-p7-d3", ProbeTop1 = 71.5, KnnTop1 = 70.1, DataDigest = Data,
        Provenance = new Provenance
        {
            GitCommit = "abc", GitDirty = false, MethodVersion = 1, TorchSharpVersion = "0.107.0", LibTorchVersion = "2.10.0",
            Device = "cpu", Threads = 2, Seed = 0, Machine = "test", Dotnet = "10",
            StartedUtc = DateTimeOffset.UnixEpoch, FinishedUtc = DateTimeOffset.UnixEpoch,
        },
    };

    [Fact]
    public void A_row_is_up_to_date_only_with_a_complete_result_of_the_same_hash()
    {
        var store = new ResultStore(TempDir());
        Assert.False(store.IsUpToDate("ci", "table3/pca-ddm", "h1", Data));
        var paths = store.Row("ci", "table3/pca-ddm");
        ResultStore.WriteMetrics(paths.Metrics, Metrics("h1"));
        Assert.True(store.IsUpToDate("ci", "table3/pca-ddm", "h1", Data));
        Assert.False(store.IsUpToDate("ci", "table3/pca-ddm", "h2", Data));
        Assert.Equal(71.5, store.TryLoad("ci", "table3/pca-ddm")!.ProbeTop1);
        Assert.Contains("\"probe_top1\": 71.5", File.ReadAllText(paths.Metrics));
        Assert.Empty(Directory.GetFiles(paths.Dir, "*.tmp-*"));
    }

    [Fact]
    public void A_result_of_other_data_or_of_unknown_data_is_out_of_date_and_says_which_digests_differ()
    {
        var store = new ResultStore(TempDir());
        var paths = store.Row("ci", "table3/pca-ddm");
        ResultStore.WriteMetrics(paths.Metrics, Metrics("h1"));
        Assert.Null(store.WhyStale("ci", "table3/pca-ddm", "h1", Data));
        const string other = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        Assert.False(store.IsUpToDate("ci", "table3/pca-ddm", "h1", other));
        Assert.Equal("its data changed (data digest recorded da7a0000da7a, current 0123456789ab)", store.WhyStale("ci", "table3/pca-ddm", "h1", other));
        Assert.Null(store.FindByHash("ci", "h1", other, "other/row")); // no twin on other data either
        Assert.Contains("cannot be told", store.WhyStale("ci", "table3/pca-ddm", "h1", null));

        // A result that records no data digest: nothing proves which data it ran on.
        ResultStore.WriteMetrics(paths.Metrics, Metrics("h1") with { DataDigest = null });
        Assert.Equal("its result records no data digest (data_digest), so the data it ran on is unknown", store.WhyStale("ci", "table3/pca-ddm", "h1", Data));
    }

    [Fact]
    public void A_metrics_file_changed_after_it_was_written_or_without_its_SHA_256_is_out_of_date()
    {
        var store = new ResultStore(TempDir());
        var paths = store.Row("ci", "table3/pca-ddm");
        ResultStore.WriteMetrics(paths.Metrics, Metrics("h1"));
        Assert.True(File.Exists(paths.Metrics + VerifiedFile.DigestSuffix));
        File.WriteAllText(paths.Metrics, File.ReadAllText(paths.Metrics).Replace("71.5", "91.5"));
        Assert.Equal($"{paths.Metrics} does not match the SHA-256 written with it (changed, damaged or truncated since)", store.WhyStale("ci", "table3/pca-ddm", "h1", Data));
        AtomicFile.WriteText(paths.Metrics, Metrics("h1").ToJson());
        File.Delete(paths.Metrics + VerifiedFile.DigestSuffix);
        Assert.Equal($"{paths.Metrics} has no SHA-256 beside it (metrics.json.sha256)", store.WhyStale("ci", "table3/pca-ddm", "h1", Data));
    }

    [Fact]
    public void A_row_whose_tokenizer_was_trained_again_with_other_weights_is_out_of_date()
    {
        var store = new ResultStore(TempDir());
        const string folder = "pca-p7-d3-0badcafe";
        var artifact = store.TokenizerDir("ci", folder);
        Directory.CreateDirectory(artifact);
        var weights = Path.Combine(artifact, "pca.bin");
        var manifest = Path.Combine(artifact, TokenizerArtifact.ManifestFile);
        File.WriteAllBytes(weights, [1, 2, 3]);
        Assert.Null(TokenizerArtifact.WeightsSha256(artifact)); // no artifact.json: not a complete artifact
        File.WriteAllText(manifest, "{\"seconds\": 1.5}");
        var trained = TokenizerArtifact.WeightsSha256(artifact)!;
        // The manifest's timings and the lock are not the weights.
        File.WriteAllText(manifest, "{\"seconds\": 2.25}");
        File.WriteAllText(Path.Combine(artifact, ".lock"), "1234");
        Assert.Equal(trained, TokenizerArtifact.WeightsSha256(artifact));

        var paths = store.Row("ci", "table3/pca-ddm");
        ResultStore.WriteMetrics(paths.Metrics, (Metrics("h1") with { TokenizerWeights = new TokenizerWeights(folder, trained) }));
        Assert.True(store.IsUpToDate("ci", "table3/pca-ddm", "h1", Data));
        Assert.NotNull(store.FindByHash("ci", "h1", Data, "other/row"));

        // Trained again (same folder, same config hash), other weights: the row must run again, and no twin reuses it.
        File.WriteAllBytes(weights, [1, 2, 3, 4]);
        var again = TokenizerArtifact.WeightsSha256(artifact);
        Assert.NotEqual(trained, again);
        // Trained again at the same length and within the same time stamp (file systems stamp at a coarse tick).
        var stamp = File.GetLastWriteTimeUtc(weights);
        File.WriteAllBytes(weights, [9, 9, 9, 9]);
        File.SetLastWriteTimeUtc(weights, stamp);
        Assert.NotEqual(again, TokenizerArtifact.WeightsSha256(artifact));
        Assert.False(store.IsUpToDate("ci", "table3/pca-ddm", "h1", Data));
        Assert.Null(store.FindByHash("ci", "h1", Data, "other/row"));

        // No artifact in this results tree (a clone holds results only): the config hash alone decides.
        Directory.Delete(artifact, recursive: true);
        Assert.True(store.IsUpToDate("ci", "table3/pca-ddm", "h1", Data));
        Assert.Contains("\"tokenizer_weights\"", File.ReadAllText(paths.Metrics));
    }

    [Fact]
    public void A_metrics_file_that_is_not_a_complete_row_is_never_up_to_date()
    {
        var store = new ResultStore(TempDir());
        var paths = store.Row("ci", "table3/pca-ddm");
        // No kNN number: the probe did not finish.
        ResultStore.WriteMetrics(paths.Metrics, (Metrics("h1") with { KnnTop1 = null }));
        Assert.False(store.IsUpToDate("ci", "table3/pca-ddm", "h1", Data));
        // A trained row (it has a training log) whose training fields were lost, as a re-probe used to write it.
        AtomicFile.WriteText(paths.Log, "{\"step\":10}\n");
        ResultStore.WriteMetrics(paths.Metrics, Metrics("h1"));
        Assert.False(store.IsUpToDate("ci", "table3/pca-ddm", "h1", Data));
        ResultStore.WriteMetrics(paths.Metrics, (Metrics("h1") with { FinalLoss = 0.05, PretrainSteps = 93 }));
        Assert.True(store.IsUpToDate("ci", "table3/pca-ddm", "h1", Data));
        // Not JSON at all (a disk error): not up to date, and loading it names the file.
        File.WriteAllText(paths.Metrics, "{\"row\": ");
        Assert.False(store.IsUpToDate("ci", "table3/pca-ddm", "h1", Data));
        Assert.Contains(paths.Metrics, Assert.Throws<InvalidDataException>(() => store.TryLoad("ci", "table3/pca-ddm")).Message);
    }

    [Fact]
    public void A_fine_tuning_row_is_complete_with_its_fine_tuned_top_1_and_no_knn()
    {
        var store = new ResultStore(TempDir());
        var paths = store.Row("ci", "finetune/l-dae-base");
        var tuned = Metrics("h1") with { Row = "finetune/l-dae-base", KnnTop1 = null, Probe = new ProbeSetup { Features = ProbeSetup.FineTuned, Optimizer = "adamw" } };
        ResultStore.WriteMetrics(paths.Metrics, tuned);
        Assert.True(store.IsUpToDate("ci", "finetune/l-dae-base", "h1", Data));
        // a probed row without its kNN is still unfinished
        ResultStore.WriteMetrics(paths.Metrics, (tuned with { Probe = tuned.Probe! with { Features = "cached" } }));
        Assert.False(store.IsUpToDate("ci", "finetune/l-dae-base", "h1", Data));
    }

    [Fact]
    public void A_file_where_a_results_folder_should_be_is_named_before_anything_is_written()
    {
        var root = TempDir();
        File.WriteAllText(Path.Combine(root, "ci"), "not a folder");
        var store = new ResultStore(root);
        var e = Assert.Throws<InputException>(() => store.CheckWritable(store.Row("ci", "table3/pca-ddm")));
        Assert.Contains(Path.Combine(root, "ci") + " is a file", e.Message);
        Assert.Equal(["ci"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
    }

    [Fact]
    public void A_lock_that_cannot_be_opened_is_an_error_at_once_not_a_wait()
    {
        var root = TempDir();
        File.WriteAllText(Path.Combine(root, "table3"), "a file where the table folder should be");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<InputException>(() => RunLock.Acquire(Path.Combine(root, "table3", ".pca-ddm.lock"), TimeSpan.FromHours(24)));
        Assert.Contains(".pca-ddm.lock", e.Message);
        Directory.CreateDirectory(Path.Combine(root, "locks", ".row.lock")); // a folder where the lock file should be
        e = Assert.Throws<InputException>(() => RunLock.Acquire(Path.Combine(root, "locks", ".row.lock"), TimeSpan.FromHours(24)));
        Assert.Contains(".row.lock", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_second_holder_of_the_lock_waits_then_refuses_with_a_clear_message()
    {
        var path = Path.Combine(TempDir(), ".lock");
        using (RunLock.Acquire(path, TimeSpan.Zero))
        {
            var log = new StringWriter();
            var e = Assert.Throws<IOException>(() => RunLock.Acquire(path, TimeSpan.FromSeconds(1), log));
            Assert.Contains("the same target is running elsewhere", e.Message);
            Assert.Contains("waiting", log.ToString());
        }
        using (RunLock.Acquire(path, TimeSpan.Zero)) { } // released on dispose
    }
}

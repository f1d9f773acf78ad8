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

    static RowMetrics Metrics(string hash) => new()
    {
        Row = "table3/pca-ddm", Profile = "ci", ConfigHash = hash, Tokenizer = "pca-p7-d3", ProbeTop1 = 71.5,
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
        Assert.False(store.IsUpToDate("ci", "table3/pca-ddm", "h1"));
        var paths = store.Row("ci", "table3/pca-ddm");
        ResultStore.WriteAtomic(paths.Metrics, Metrics("h1").ToJson());
        Assert.True(store.IsUpToDate("ci", "table3/pca-ddm", "h1"));
        Assert.False(store.IsUpToDate("ci", "table3/pca-ddm", "h2"));
        Assert.Equal(71.5, store.TryLoad("ci", "table3/pca-ddm")!.ProbeTop1);
        Assert.Contains("\"probe_top1\": 71.5", File.ReadAllText(paths.Metrics));
        Assert.Empty(Directory.GetFiles(paths.Dir, "*.tmp-*"));
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

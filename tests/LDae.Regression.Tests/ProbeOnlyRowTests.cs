using System.Security.Cryptography;
using LDae.Rows;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Training;
using Xunit;

namespace LDae.Regression.Tests;

/// <summary>
/// The appendix rows re-probe the trained l-DAE: they load its weights, train nothing, and when the weights are
/// missing (they are not committed) the l-DAE is pretrained again into its own folder, to the same weights.
/// </summary>
public class ProbeOnlyRowTests
{
    const string Source = "table3/predict-original-image";

    [Fact]
    public void A_probe_only_row_loads_its_source_weights_trains_nothing_and_records_its_probe()
    {
        var fresh = FreshStoreWithSource(out var store);
        try
        {
            var log = new StringWriter();
            var m = new RowRunner(CiResults.Registry, store, Repo.Root(), log).Run(new RowRequest("probe-t/t20-noisy", CiResults.Profile))!;
            Assert.DoesNotContain("training for", log.ToString());
            // the row whose weights.bin was probed: the l-DAE's, or the twin's it took its result from when the twin
            // ran first in this test run (SourceWeights.Locate)
            Assert.Equal(CiResults.Get(Source).SameAs ?? Source, m.WeightsFrom);
            Assert.Equal(0, m.PretrainSteps);
            Assert.Null(m.FinalLoss);
            Assert.Equal(new ProbeSetup { T = 20, NoisyInput = true, Blocks = 2, Features = "cached", Optimizer = "sgd" }, m.Probe);
            var paths = store.Row(CiResults.Profile, "probe-t/t20-noisy");
            Assert.False(File.Exists(paths.Log));
            Assert.False(Checkpoint.ExistsIn(paths.Dir));
            Assert.False(File.Exists(Path.Combine(paths.Dir, Trainer.WeightsFileName)));

            // The same row, run the way the regression suite runs it, gives the same numbers.
            Assert.Equal(RegressionSnapshot.Of(CiResults.Get("probe-t/t20-noisy")), RegressionSnapshot.Of(m));
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }

    [Fact]
    public void Missing_source_weights_are_pretrained_again_to_the_same_weights_keeping_the_sources_result()
    {
        var fresh = FreshStoreWithSource(out var store);
        try
        {
            var source = store.Row(CiResults.Profile, Source);
            var weights = Path.Combine(source.Dir, Trainer.WeightsFileName);
            // the weights this run trained (in the l-DAE's folder, or in the twin's it took its result from)
            var folders = new[] { Source, store.TryLoad(CiResults.Profile, Source)!.SameAs }.OfType<string>()
                .Select(row => store.Row(CiResults.Profile, row).Dir).ToList();
            var hashBefore = SHA256.HashData(File.ReadAllBytes(folders.Select(d => Path.Combine(d, Trainer.WeightsFileName)).First(File.Exists)));
            var metricsBefore = File.ReadAllText(source.Metrics);
            var logBefore = File.ReadAllBytes(source.Log);
            // a fresh clone with committed results: metrics, config and log, but no weights, checkpoint or hash stamp
            foreach (var dir in folders)
                foreach (var file in new[] { Path.Combine(dir, Trainer.WeightsFileName), Checkpoint.PathIn(dir), Path.Combine(dir, "config.hash") })
                    File.Delete(file);

            var log = new StringWriter();
            var m = new RowRunner(CiResults.Registry, store, Repo.Root(), log).Run(new RowRequest("probe-t/t40-clean", CiResults.Profile))!;
            Assert.Contains($"pretraining {Source} again", log.ToString());
            Assert.Equal(Source, m.WeightsFrom);
            // pretrained again into the source's staging folder (its published result is not touched)
            var again = new[] { weights, Path.Combine(source.Staging, Trainer.WeightsFileName) }.First(File.Exists);
            Assert.Equal(hashBefore, SHA256.HashData(File.ReadAllBytes(again)));
            Assert.Equal(metricsBefore, File.ReadAllText(source.Metrics));
            Assert.Equal(logBefore, File.ReadAllBytes(source.Log));
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }

    /// <summary>A results folder holding only the l-DAE row of this test run (and the row it took its result from, if any).</summary>
    static string FreshStoreWithSource(out ResultStore store)
    {
        var metrics = CiResults.Get(Source);
        var fresh = Path.Combine(Path.GetTempPath(), "ldae-probe-only-" + Guid.NewGuid().ToString("N")[..8]);
        store = new ResultStore(fresh);
        var ci = new ResultStore(CiResults.ResultsRoot);
        foreach (var row in new[] { Source, metrics.SameAs }.OfType<string>())
            CopyDirectory(ci.Row(CiResults.Profile, row).Dir, store.Row(CiResults.Profile, row).Dir);
        var tokenizer = TokenizerArtifact.For(CiResults.Registry.Resolve(Source, CiResults.Profile))!.FolderName;
        CopyDirectory(ci.TokenizerDir(CiResults.Profile, tokenizer), store.TokenizerDir(CiResults.Profile, tokenizer));
        return fresh;
    }

    static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) == ".lock") continue;
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

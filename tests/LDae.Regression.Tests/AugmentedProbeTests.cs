using LDae.Rows;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using Xunit;

namespace LDae.Regression.Tests;

/// <summary>The augmented probe (the cpu and paper profiles') end to end, on a ci-sized row.</summary>
public class AugmentedProbeTests
{
    [Fact]
    public void A_profile_with_augmented_features_probes_new_crops_every_epoch_and_records_it()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ldae-augmented-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // the ci profile with the probe of the cpu profile
            var experiments = Path.Combine(dir, "experiments");
            Directory.CreateDirectory(experiments);
            foreach (var f in Directory.GetFiles(Repo.Experiments(), "*.yaml")) File.Copy(f, Path.Combine(experiments, Path.GetFileName(f)));
            var profiles = Path.Combine(experiments, "profiles.yaml");
            var text = File.ReadAllText(profiles);
            const string cached = "probe: {epochs: 30, lr: 0.1, batch_size: 256, features: cached, optimizer: sgd}";
            Assert.Contains(cached, text);
            File.WriteAllText(profiles, text.Replace(cached, cached.Replace("cached", "augmented")));
            var registry = ExperimentRegistry.Load(experiments);

            const string row = "references/random-init";   // no pretraining: the probe is the whole row
            var store = new ResultStore(Path.Combine(dir, "results"));
            var m = new RowRunner(registry, store, Repo.Root(), TextWriter.Null).Run(new RowRequest(row, CiResults.Profile))!;
            Assert.Equal("augmented", m.Probe!.Features);
            Assert.Equal(10, m.Probe.T);

            var cachedResult = CiResults.Get(row);
            Assert.Equal("cached", cachedResult.Probe!.Features);
            Assert.NotEqual(cachedResult.ProbeTop1, m.ProbeTop1);
            Assert.NotEqual(cachedResult.KnnTop1, m.KnnTop1);                 // kNN reads the center crop
            Assert.InRange(m.ProbeTop1!.Value, 20, 100);                      // well above chance (10 %) on Fashion-MNIST
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

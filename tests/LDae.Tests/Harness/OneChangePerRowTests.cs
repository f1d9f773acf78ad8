using LDae.Rows;
using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Runtime;
using Xunit;

namespace LDae.Tests.Harness;

/// <summary>
/// Each row is its parent plus exactly the change its title names. A key with side effects (one that also swaps the
/// blocks, the data or the probe) would make a step measure two things; these tests build every row's model and
/// configuration and compare them with its parent's.
/// </summary>
public class OneChangePerRowTests
{
    static readonly ExperimentRegistry Registry = ExperimentRegistry.Load(Repo.Experiments());

    public OneChangePerRowTests() => TorchRuntime.EnsureLoaded(threads: 1);

    public static TheoryData<string> RowsWithParents()
    {
        var data = new TheoryData<string>();
        foreach (var row in Registry.Rows.Where(r => r.From is not null)) data.Add(row.FullId);
        return data;
    }

    /// <summary>Three shapes of data and model: Fashion-MNIST with patch 8 (D = 64), CIFAR-10 with patch 8 (D = 192) and with patch 4 (D = 48).</summary>
    static readonly string[] Profiles = ["ci", "quick-cifar10", "cpu"];

    [Theory]
    [MemberData(nameof(RowsWithParents))]
    public void A_row_has_its_parents_parameters_unless_it_declares_its_architectural_change(string id)
    {
        var row = Registry.Rows.Single(r => r.FullId == id);
        var differences = new List<string>();
        foreach (var profile in Profiles)
        {
            ConfigTree config = Registry.Resolve(row, profile), parent = Registry.Resolve(row.From!, profile);
            if (Availability.Missing(config) is not null || Availability.Missing(parent) is not null) continue;
            var mine = RowArchitecture.Parameters(config, Repo.Root()).Select(p => p.ToString()).ToList();
            var parents = RowArchitecture.Parameters(parent, Repo.Root()).Select(p => p.ToString()).ToList();
            if (!mine.SequenceEqual(parents))
                differences.Add($"at {profile}: new {string.Join(", ", mine.Except(parents).Take(3))}; gone {string.Join(", ", parents.Except(mine).Take(3))}");
        }
        if (row.Architecture is null)
            Assert.True(differences.Count == 0, $"{id} changes the model of {row.From} without declaring it (architecture:): {string.Join(" / ", differences)}");
        else
            Assert.True(differences.Count > 0, $"{id} declares '{row.Architecture}' but builds the parameters of {row.From} at {string.Join(" and ", Profiles)}");
    }

    [Theory]
    [MemberData(nameof(RowsWithParents))]
    public void A_row_differs_from_its_parent_only_in_the_keys_it_sets_and_what_they_derive(string id)
    {
        var row = Registry.Rows.Single(r => r.FullId == id);
        var mine = Registry.Resolve(row, "ci").Values;
        var parents = Registry.Resolve(row.From!, "ci").Values;
        var derived = ConfigSchema.Keys.Where(k => k.Scope == KeyScope.Derived).Select(k => k.Path)
            .Append("tokenizer.latent_dim");                  // written relative to D, resolved to an integer per tokenizer
        var moved = mine.Keys.Where(k => !Equals(mine[k], parents.GetValueOrDefault(k))).Except(row.Delta.Keys).Except(derived).ToList();
        Assert.True(moved.Count == 0, $"{id} also changes {string.Join(", ", moved)} beyond the keys it sets");
    }
}

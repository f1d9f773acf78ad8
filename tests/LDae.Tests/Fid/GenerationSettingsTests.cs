using LDae.Harness.Config;
using LDae.Harness.Experiments;
using Xunit;

namespace LDae.Tests.Fid;

public class GenerationSettingsTests
{
    [Fact]
    public void Fid_keys_are_read_over_the_inherited_settings_and_removed()
    {
        var values = new Dictionary<string, object?> { ["fid.samples"] = 300L, ["fid.sampler"] = "ddpm", ["train.epochs"] = 3L };
        var s = GenerationSettings.Take(values, GenerationSettings.Default with { Steps = 20 }, "profiles.yaml");
        Assert.Equal(300, s.Samples);
        Assert.Equal("ddpm", s.Sampler);
        Assert.Equal(20, s.Steps);
        Assert.Equal(["train.epochs"], values.Keys);
    }

    [Theory]
    [InlineData("fid.samples", "0")]
    [InlineData("fid.sampler", "euler")]
    [InlineData("fid.guidance", "-1")]
    [InlineData("fid.sample", "10")]
    public void A_wrong_fid_key_or_value_names_the_key(string key, string value)
    {
        var e = Assert.Throws<ConfigException>(() => GenerationSettings.Take(new() { [key] = value }, GenerationSettings.Default, "profiles.yaml"));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void Every_profile_has_settings_and_quick_compares_at_least_five_thousand_images()
    {
        var registry = ExperimentRegistry.Load(LDae.Harness.Repo.Experiments());
        Assert.Equal(500, registry.Profile("ci").Generation.Samples);
        Assert.True(registry.Profile("quick").Generation.Samples >= 5000);
        Assert.Equal(registry.Profile("quick").Generation, registry.Profile("quick-cifar10").Generation); // extends quick
        Assert.Equal("ddpm", registry.Profile("paper").Generation.Sampler);
    }
}

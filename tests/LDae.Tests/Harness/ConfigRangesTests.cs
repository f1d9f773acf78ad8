using LDae.Harness.Config;
using Xunit;

namespace LDae.Tests.Harness;

public class ConfigRangesTests
{
    [Fact]
    public void Every_numeric_key_a_profile_row_or_override_can_set_has_a_range_and_its_default_is_in_it()
    {
        foreach (var key in ConfigSchema.Keys.Where(k => k.Type is KeyType.Int or KeyType.Double && k.Scope != KeyScope.Derived))
        {
            var range = ConfigRanges.For(key.Path);
            Assert.True(range is not null, $"{key.Path} has no range in ConfigRanges");
            if (key.Default is not null) Assert.True(range.Contains(Convert.ToDouble(key.Default)), $"{key.Path}: default {key.Default} is not {range.Describe()}");
        }
        Assert.All(ConfigRanges.ByKey.Keys, path => Assert.True(ConfigSchema.TryGet(path, out _), $"ConfigRanges names {path}, which the schema lacks"));
    }

    [Theory]
    [InlineData("train.epochs", "0", "is 0, out of range", "≥ 1")]
    [InlineData("train.lr", "0", "is 0, out of range", "> 0")]
    [InlineData("train.ema", "1.0", "is 1.0, out of range", "≥ 0 and < 1")]
    [InlineData("data.train_subset", "-1", "is -1, out of range", "≥ 1 or null")]
    public void A_value_out_of_range_names_the_key_the_value_and_the_range(string path, string value, string problem, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigSchema.Get(path, "here").Parse(value, "here"));
        Assert.Contains($"here: key '{path}' {problem}", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Values_at_the_edge_of_a_range_are_accepted()
    {
        Assert.Equal(1L, ConfigSchema.Get("train.epochs", "x").Parse("1", "x"));
        Assert.Equal(0.0, ConfigSchema.Get("train.ema", "x").Parse("0", "x"));
        Assert.Null(ConfigSchema.Get("data.train_subset", "x").Parse("null", "x"));
    }

    [Fact]
    public void Overrides_are_parsed_and_checked_like_yaml_values()
    {
        var o = ConfigOverrides.Parse(["train.epochs=10", " probe.epochs = 20 "]);
        Assert.Equal(["train.epochs", "probe.epochs"], o.Values.Keys);
        Assert.Equal("train.epochs=10 probe.epochs=20", o.ToString());
        Assert.True(ConfigOverrides.Parse([]).IsEmpty);
        Assert.Contains("KEY=VALUE", Assert.ThrowsAny<LDae.Harness.InputException>(() => ConfigOverrides.Parse(["train.epochs"])).Message);
        Assert.Contains("is unknown", Assert.Throws<ConfigException>(() => ConfigOverrides.Parse(["train.epoch=3"])).Message);
        Assert.Contains("is derived", Assert.Throws<ConfigException>(() => ConfigOverrides.Parse(["backbone.depth=8"])).Message);
        Assert.Contains("set twice", Assert.Throws<ConfigException>(() => ConfigOverrides.Parse(["train.epochs=3", "train.epochs=4"])).Message);
    }
}

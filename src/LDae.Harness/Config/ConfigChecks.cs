namespace LDae.Harness.Config;

/// <summary>
/// Rules that join two or more keys of a resolved configuration (each key alone is checked by its type and
/// <see cref="ConfigRanges">range</see>). They hold for every profile and row; a violation names the keys so that
/// it fails at resolve time rather than as a shape error deep in a run.
/// </summary>
public static class ConfigChecks
{
    /// <summary>Throws a <see cref="ConfigException"/> for the first rule <paramref name="config"/> breaks.</summary>
    /// <param name="where">The row and profile being resolved, for the message.</param>
    public static void Validate(ConfigTree config, string where)
    {
        var size = config.Text("backbone.size");
        long width = config.Int("backbone.width"), depth = config.Int("backbone.depth"), heads = config.Int("backbone.heads");
        // The encoder is the first half of the blocks and the decoder the second (the paper's split of DiT).
        if (depth % 2 != 0)
            Fail(where, $"sizes.{size}.depth", $"is {depth}, odd", "an even number of blocks (encoder and decoder of half the depth each)");
        if (width % heads != 0)
            Fail(where, $"sizes.{size}.width", $"is {width}, not divisible by sizes.{size}.heads = {heads}", "a multiple of the number of heads");
        // The 2-D sin-cos position embedding gives a quarter of the width to each of sin/cos × row/column.
        if (width % 4 != 0)
            Fail(where, $"sizes.{size}.width", $"is {width}, not divisible by 4", "a multiple of 4 (2-D sin-cos position embedding)");

        long patch = config.Int("tokenizer.patch");
        if (config.IntOrNull("data.image_size") is { } side && side % patch != 0)
            Fail(where, "data.image_size", $"is {side}, not a multiple of tokenizer.patch = {patch}", "a multiple of the patch side");

        if (config.Double("train.min_lr") > config.Double("train.lr"))
            Fail(where, "train.min_lr", $"is {config.Double("train.min_lr")}, above train.lr = {config.Double("train.lr")}", "at most the peak learning rate");
        long batch = config.Int("train.batch_size");
        if (config.Int("train.replicas") > batch)
            Fail(where, "train.replicas", $"is {config.Int("train.replicas")}, more than train.batch_size = {batch}", "at most one replica per image of a batch");
        if (config.IntOrNull("data.train_subset") is { } n && n < batch)
            Fail(where, "data.train_subset", $"is {n}, smaller than train.batch_size = {batch}", "at least one full batch");
        // The trainer rounds epochs × length to whole epochs.
        if (Math.Round(config.Int("train.epochs") * config.Double("train.length")) < 1)
            Fail(where, "train.length", $"× train.epochs = {config.Int("train.epochs") * config.Double("train.length")} rounds to no epoch", "at least one epoch of pretraining");
    }

    static void Fail(string where, string key, string problem, string expected) => throw new ConfigException(where, key, problem, expected);
}

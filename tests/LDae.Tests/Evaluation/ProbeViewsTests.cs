using LDae.Data;
using LDae.Evaluation;
using LDae.Runtime;
using LDae.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation;

/// <summary>MAE's linear-probe views (random resized crop + flip for training, one center crop for testing) and how the probe draws them.</summary>
public class ProbeViewsTests
{
    public ProbeViewsTests() => TorchRuntime.EnsureLoaded(threads: 1);

    /// <summary>An image whose value is its column index: a resampling shows where each output pixel came from.</summary>
    static Tensor Ramp(int n, int size) =>
        arange(size, dtype: ScalarType.Float32).reshape(1, 1, 1, size).expand(n, 1, size, size).contiguous();

    [Fact]
    public void The_test_view_is_resize_to_side_over_0_875_then_the_central_crop()
    {
        // Resize S → S/f then crop the centre S: output pixel i (centre i + ½) samples input position c + f·(i − c),
        // c = (S − 1)/2 the image centre, f = 224/256 as MAE's Resize(256) + CenterCrop(224).
        const int s = 32;
        double f = ProbeTransforms.CenterCropFraction;
        Assert.Equal(0.875, f);
        using var ramp = Ramp(2, s);
        using var view = ProbeTransforms.Test(ramp);
        Assert.Equal(ramp.shape, view.shape);
        double c = (s - 1) / 2.0;
        var expected = Enumerable.Range(0, s).Select(i => (float)(c + f * (i - c))).ToArray();
        using var row = view[0, 0, 5];
        Assert.True(row.allclose(tensor(expected), atol: 1e-4), string.Join(", ", row.data<float>().ToArray()));
        using var rowsEqual = view[.., .., 0].eq(view[.., .., s - 1]).all();
        Assert.True(rowsEqual.item<bool>());                                   // a horizontal ramp stays horizontal
    }

    [Fact]
    public void The_center_crop_draws_nothing_and_fraction_1_is_the_identity()
    {
        using var x = Ramp(1, 8);
        using var same = Augmentation.CropCenter(x, 1.0);
        Assert.True(same.allclose(x, rtol: 0, atol: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Augmentation.CropCenter(x, 0));
        using var wide = zeros(1, 1, 8, 6);
        Assert.Throws<ArgumentException>(() => Augmentation.CropCenter(wide, 0.5));
    }

    [Fact]
    public void The_training_view_is_torchvisions_random_resized_crop_with_a_flip()
    {
        var a = ProbeTransforms.Train;
        Assert.Equal((0.08, 1.0, 0.75, 4.0 / 3.0, 0.5), (a.MinScale, a.MaxScale, a.MinRatio, a.MaxRatio, a.FlipProbability));
    }

    static readonly ProbeProtocol Augmented = new(ProbeFeatureMode.Augmented, new ProbeOptions { Seed = 7 }, 5) { ExtractBatch = 3 };
    static readonly ProbeProtocol Cached = Augmented with { Features = ProbeFeatureMode.Cached };

    static Tensor Images(int n = 7)
    {
        using var g = new Generator(3);
        return randint(0, 256, [n, 1, 8, 8], dtype: ScalarType.Byte, generator: g);
    }

    /// <summary>An "encoder" whose features are its input pixels: the views themselves become visible.</summary>
    static Tensor Pixels(Tensor input, Generator _) => input.flatten(1).clone();

    [Fact]
    public void Fixed_views_are_the_stored_images_when_cached_and_the_center_crop_when_augmented()
    {
        using var images = Images();
        using var input = ImageDataset.ToModelInput(images);
        using var cached = FrozenEncoderProbe.FixedFeatures(Pixels, images, "test", Cached);
        Assert.True(cached.allclose(input.flatten(1)));
        using var augmented = FrozenEncoderProbe.FixedFeatures(Pixels, images, "test", Augmented);
        using var crop = ProbeTransforms.Test(input);
        Assert.True(augmented.allclose(crop.flatten(1), atol: 1e-6));
    }

    [Fact]
    public void Each_epoch_has_its_own_crops_and_flips_given_by_the_seed()
    {
        using var images = Images();
        using var e0 = FrozenEncoderProbe.EpochFeatures(Pixels, images, 0, Augmented);
        using var e0Again = FrozenEncoderProbe.EpochFeatures(Pixels, images, 0, Augmented);
        using var e1 = FrozenEncoderProbe.EpochFeatures(Pixels, images, 1, Augmented);
        using var otherSeed = FrozenEncoderProbe.EpochFeatures(Pixels, images, 0, Augmented with { Linear = new ProbeOptions { Seed = 8 } });
        Assert.True(e0.allclose(e0Again, rtol: 0, atol: 0));
        Assert.False(e0.allclose(e1));
        Assert.False(e0.allclose(otherSeed));

        // The crops are the training view's, drawn in extraction order from (seed, "probe-augment", epoch).
        using var scope = NewDisposeScope();
        using var crops = Seeding.Generator(7, "probe-augment", 1);
        using var input = ImageDataset.ToModelInput(images);
        var parts = new List<Tensor>();
        for (long s = 0; s < 7; s += 3) parts.Add(ProbeTransforms.Train.Apply(input.narrow(0, s, Math.Min(3, 7 - s)), crops));
        using var expected = cat(parts, 0).flatten(1);
        Assert.True(e1.allclose(expected, atol: 1e-6));
    }

    [Fact]
    public void Noise_for_noisy_input_is_seeded_per_split_and_per_epoch()
    {
        using var images = Images();
        Tensor Noise(Tensor input, Generator g) => randn([input.shape[0], 4], generator: g);
        using var train = FrozenEncoderProbe.FixedFeatures(Noise, images, "train", Cached);
        using var trainAgain = FrozenEncoderProbe.FixedFeatures(Noise, images, "train", Cached);
        using var test = FrozenEncoderProbe.FixedFeatures(Noise, images, "test", Cached);
        using var epoch = FrozenEncoderProbe.EpochFeatures(Noise, images, 0, Augmented);
        Assert.True(train.allclose(trainAgain, rtol: 0, atol: 0));
        Assert.False(train.allclose(test));
        Assert.False(train.allclose(epoch));
    }
}

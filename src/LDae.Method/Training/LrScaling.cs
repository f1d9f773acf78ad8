namespace LDae.Training;

/// <summary>How the configured base learning rate becomes the peak learning rate.</summary>
public enum LrScaling
{
    /// <summary>Peak lr = base lr.</summary>
    None,

    /// <summary>
    /// The linear scaling rule used by MAE and DiT-style recipes: peak lr = base lr × batch size / 256, so a
    /// recipe quoted for one batch size transfers to another.
    /// </summary>
    Linear256,
}

public static class LrScalingExtensions
{
    public static double PeakLr(this LrScaling scaling, double baseLr, int batchSize) => scaling switch
    {
        LrScaling.None => baseLr,
        LrScaling.Linear256 => baseLr * batchSize / 256.0,
        _ => throw new ArgumentOutOfRangeException(nameof(scaling), scaling, null),
    };
}

using Diffusion.Data;
using Diffusion.Imaging;

namespace Diffusion.Kit.DataBuilding;

/// <summary>Makes the <see cref="TestImages"/> in data/images/: photos copied from python3-skimage, the drawings and the masks.</summary>
public static class TestImageBuilder
{
    /// <summary>Makes missing pictures (all of them with <paramref name="force"/>); returns the names written.</summary>
    public static IReadOnlyList<string> Create(bool force = false, Action<string>? log = null)
    {
        Directory.CreateDirectory(TestImages.Folder);
        var written = new List<string>();
        bool Needed(string name) => force || !File.Exists(Path.Combine(TestImages.Folder, name));

        var photos = TestImages.Photos.Where(Needed).ToList();
        if (photos.Count > 0)
        {
            var source = SkimagePhotos.Extract(log: log);
            foreach (var name in photos)
            {
                File.Copy(Path.Combine(source, name), Path.Combine(TestImages.Folder, name), overwrite: true);
                written.Add(name);
            }
        }
        void Save(string name, Func<Picture> make)
        {
            if (!Needed(name)) return;
            using var picture = make();
            picture.Save(Path.Combine(TestImages.Folder, name));
            written.Add(name);
        }
        Save("house.png", Drawings.House);
        Save("flower.png", Drawings.Flower);
        Save("rocket_mask.png", () => RocketMask());
        Save("center_mask.png", () => Masks.CenterSquare(256));
        return written;
    }

    /// <summary>rocket.jpg is 640 x 427; the mask covers the rocket's upper part (nose and upper stage).</summary>
    static Picture RocketMask() => Masks.Rectangle(640, 427, 0.44, 0.26, 0.56, 0.55);
}

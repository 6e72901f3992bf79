using Diffusion.Data;

namespace Diffusion.Kit.DataBuilding;

/// <summary>
/// The concepts of the 64 x 64 text-to-image set (data/emoji-64/): the 173 concepts of the 32 x 32 set
/// (<see cref="EmojiConcepts.All"/>, so every course prompt is covered), some drawn by more emoji (a dog's face and a
/// whole dog), and 140 more plain, recognisable objects, animals, foods, places and activities. Each emoji is drawn in
/// six art styles (<see cref="EmojiArtStyles"/>), so a concept has at least 5 training pictures and one held out.
/// A name belongs to one concept only (tested), so every caption has one right answer.
/// </summary>
public static class EmojiConcepts64
{
    /// <summary>The phrasings every name is trained with: the 32 x 32 set's and "a picture of".</summary>
    public static readonly string[] Phrasings = [.. EmojiConcepts.Phrasings, "a picture of {0}"];

    /// <summary>Phrasings of the CLDR keywords (fewer: a keyword names the concept less surely than its names do).</summary>
    public static readonly string[] KeywordPhrasings = ["{0}", "a drawing of {0}"];

    /// <summary>More emoji for concepts of the 32 x 32 set (whole animals beside their faces, other drawings).</summary>
    static readonly Dictionary<string, int[]> MoreEmoji = new(StringComparer.Ordinal)
    {
        ["dog"] = [0x1F415], ["cat"] = [0x1F408], ["mouse"] = [0x1F401], ["rabbit"] = [0x1F407], ["tiger"] = [0x1F405],
        ["cow"] = [0x1F404], ["pig"] = [0x1F416], ["monkey"] = [0x1F412], ["chicken"] = [0x1F413], ["fish"] = [0x1F41F],
        ["whale"] = [0x1F40B], ["horse"] = [0x1F40E], ["dragon"] = [0x1F432], ["camel"] = [0x1F42A],
        ["moon"] = [0x1F31B], ["sun"] = [0x1F31E], ["star"] = [0x1F31F], ["ice-cream"] = [0x1F368],
        ["globe"] = [0x1F30E], ["snowy-mountain"] = [0x26F0], ["tent"] = [0x1F3D5], ["high-speed-train"] = [0x1F685],
    };

    static EmojiConcept C(string key, string names, params int[] codePoints) =>
        new(key, names.Split('|', StringSplitOptions.TrimEntries), codePoints);

    /// <summary>The concepts added to the 32 x 32 set's.</summary>
    static readonly EmojiConcept[] Added =
    [
        // Animals and plants.
        C("gorilla", "a gorilla|an ape", 0x1F98D),
        C("wolf", "a wolf", 0x1F43A),
        C("leopard", "a leopard|a cheetah", 0x1F406),
        C("deer", "a deer|a reindeer", 0x1F98C),
        C("ox", "an ox|a bull", 0x1F402),
        C("ram", "a ram|a sheep", 0x1F40F),
        C("goat", "a goat", 0x1F410),
        C("rhinoceros", "a rhinoceros|a rhino", 0x1F98F),
        C("hamster", "a hamster", 0x1F439),
        C("chipmunk", "a chipmunk|a squirrel", 0x1F43F),
        C("bat", "a bat", 0x1F987),
        C("turkey", "a turkey", 0x1F983),
        C("baby-chick", "a baby chick|a chick", 0x1F424),
        C("bird", "a bird|a blue bird", 0x1F426),
        C("dove", "a dove|a white dove", 0x1F54A),
        C("duck", "a duck", 0x1F986),
        C("crocodile", "a crocodile|an alligator", 0x1F40A),
        C("lizard", "a lizard", 0x1F98E),
        C("blowfish", "a blowfish|a pufferfish", 0x1F421),
        C("seashell", "a spiral shell|a seashell", 0x1F41A),
        C("caterpillar", "a caterpillar|a bug", 0x1F41B),
        C("ant", "an ant", 0x1F41C),
        C("spider-web", "a spider web|a cobweb", 0x1F578),
        C("scorpion", "a scorpion", 0x1F982),
        C("paw-prints", "paw prints|animal tracks", 0x1F43E),
        C("bouquet", "a bouquet|a bunch of flowers", 0x1F490),
        C("hibiscus", "a hibiscus|a tropical flower", 0x1F33A),
        C("wilted-flower", "a wilted flower|a dead flower", 0x1F940),
        C("seedling", "a seedling|a sprout", 0x1F331),
        C("sheaf-of-rice", "a sheaf of rice|wheat", 0x1F33E),
        C("fallen-leaf", "a fallen leaf|a brown leaf", 0x1F342),
        // Food and drink.
        C("pear", "a pear", 0x1F350),
        C("peach", "a peach", 0x1F351),
        C("tangerine", "a tangerine|an orange", 0x1F34A),
        C("green-apple", "a green apple", 0x1F34F),
        C("kiwi", "a kiwi fruit|a kiwi", 0x1F95D),
        C("tomato", "a tomato", 0x1F345),
        C("avocado", "an avocado", 0x1F951),
        C("eggplant", "an eggplant|an aubergine", 0x1F346),
        C("potato", "a potato", 0x1F954),
        C("hot-pepper", "a hot pepper|a chili pepper", 0x1F336),
        C("cucumber", "a cucumber", 0x1F952),
        C("peanuts", "peanuts", 0x1F95C),
        C("croissant", "a croissant", 0x1F950),
        C("baguette", "a baguette|a french loaf", 0x1F956),
        C("pancakes", "pancakes|a stack of pancakes", 0x1F95E),
        C("meat", "meat on the bone|a piece of meat", 0x1F356),
        C("drumstick", "a chicken leg|a drumstick", 0x1F357),
        C("bacon", "bacon|strips of bacon", 0x1F953),
        C("burrito", "a burrito", 0x1F32F),
        C("egg", "an egg", 0x1F95A),
        C("fried-egg", "a fried egg|a frying pan", 0x1F373),
        C("salad", "a salad|a green salad", 0x1F957),
        C("popcorn", "popcorn|a box of popcorn", 0x1F37F),
        C("noodles", "a bowl of noodles|ramen", 0x1F35C),
        C("spaghetti", "spaghetti|a plate of pasta", 0x1F35D),
        C("sushi", "sushi", 0x1F363),
        C("shrimp", "a shrimp|a prawn", 0x1F990),
        C("squid", "a squid", 0x1F991),
        C("chocolate", "a chocolate bar|chocolate", 0x1F36B),
        C("honey", "a honey pot|honey", 0x1F36F),
        C("baby-bottle", "a baby bottle", 0x1F37C),
        C("milk", "a glass of milk|milk", 0x1F95B),
        C("tea", "a cup of tea|a teacup", 0x1F375),
        C("champagne", "a bottle of champagne|a bottle with a popping cork", 0x1F37E),
        C("cocktail", "a cocktail|a martini", 0x1F378),
        C("tropical-drink", "a tropical drink", 0x1F379),
        C("fork-and-knife", "a fork and knife|cutlery", 0x1F374),
        C("spoon", "a spoon", 0x1F944),
        C("amphora", "an amphora|a greek vase", 0x1F3FA),
        // Places, sky and weather.
        C("world-map", "a world map|a map", 0x1F5FA),
        C("beach", "a beach with an umbrella|a beach", 0x1F3D6),
        C("desert", "a desert", 0x1F3DC),
        C("stadium", "a stadium", 0x1F3DF),
        C("classical-building", "a classical building|a greek temple", 0x1F3DB),
        C("factory", "a factory", 0x1F3ED),
        C("hospital", "a hospital", 0x1F3E5),
        C("school", "a school", 0x1F3EB),
        C("tokyo-tower", "the tokyo tower|a radio tower", 0x1F5FC),
        C("mosque", "a mosque", 0x1F54C),
        C("fountain", "a fountain", 0x26F2),
        C("starry-night", "a starry night|a night sky", 0x1F303),
        C("cityscape", "a city skyline|a cityscape", 0x1F3D9),
        C("sunrise", "a sunrise over the sea|a sunrise", 0x1F305),
        C("bridge", "a bridge at night|a bridge", 0x1F309),
        C("carousel", "a carousel|a merry-go-round", 0x1F3A0),
        C("roller-coaster", "a roller coaster", 0x1F3A2),
        C("circus-tent", "a circus tent|a circus", 0x1F3AA),
        C("full-moon", "a full moon", 0x1F315),
        C("shooting-star", "a shooting star", 0x1F320),
        C("milky-way", "the milky way|a galaxy", 0x1F30C),
        C("partly-cloudy", "the sun behind a cloud|a partly cloudy sky", 0x26C5),
        C("rain-cloud", "a rain cloud|rain", 0x1F327),
        C("snow-cloud", "a snow cloud|snowfall", 0x1F328),
        C("cyclone", "a cyclone|a spiral", 0x1F300),
        C("snowman", "a snowman", 0x2603),
        C("droplet", "a droplet|a drop of water", 0x1F4A7),
        C("thermometer", "a thermometer", 0x1F321),
        // Vehicles and the road.
        C("high-speed-train", "a high-speed train|a bullet train", 0x1F684),
        C("ambulance", "an ambulance", 0x1F691),
        C("taxi", "a taxi|a cab", 0x1F695),
        C("delivery-truck", "a delivery truck|a truck", 0x1F69A),
        C("racing-car", "a racing car|a race car", 0x1F3CE),
        C("motorcycle", "a motorcycle|a motorbike", 0x1F3CD),
        C("scooter", "a motor scooter|a scooter", 0x1F6F5),
        C("traffic-light", "a traffic light", 0x1F6A6),
        C("stop-sign", "a stop sign", 0x1F6D1),
        C("canoe", "a canoe", 0x1F6F6),
        C("speedboat", "a speedboat", 0x1F6A4),
        C("fuel-pump", "a fuel pump|a gas pump", 0x26FD),
        // Activities.
        C("fireworks", "fireworks", 0x1F386),
        C("sparkles", "sparkles", 0x2728),
        C("party-popper", "a party popper", 0x1F389),
        C("ribbon", "a ribbon|a bow", 0x1F380),
        C("ticket", "a ticket", 0x1F3AB),
        C("medal", "a medal|a sports medal", 0x1F3C5),
        C("baseball", "a baseball", 0x26BE),
        C("american-football", "an american football|a rugby ball", 0x1F3C8),
        C("tennis", "a tennis ball", 0x1F3BE),
        C("bowling", "a bowling ball and pins|bowling", 0x1F3B3),
        C("boxing-glove", "a boxing glove", 0x1F94A),
        C("ice-skate", "an ice skate", 0x26F8),
        C("fishing-rod", "a fishing rod|a fishing pole", 0x1F3A3),
        C("bullseye", "a bullseye|a dartboard", 0x1F3AF),
        C("pool-ball", "a pool 8 ball|a billiard ball", 0x1F3B1),
        C("video-game", "a video game controller|a gamepad", 0x1F3AE),
        C("die", "a die|a dice", 0x1F3B2),
        C("theatre-masks", "theatre masks|the performing arts", 0x1F3AD),
        C("palette", "an artist's palette|a paint palette", 0x1F3A8),
        // Objects.
        C("sunglasses", "sunglasses|a pair of sunglasses", 0x1F576),
        C("necktie", "a necktie|a tie", 0x1F454),
        C("jeans", "jeans|a pair of jeans", 0x1F456),
        C("handbag", "a handbag", 0x1F45C),
        C("backpack", "a backpack|a school bag", 0x1F392),
        C("sneaker", "a running shoe|a sneaker", 0x1F45F),
        C("lipstick", "a lipstick", 0x1F484),
        C("megaphone", "a megaphone", 0x1F4E3),
        C("musical-note", "a musical note|music", 0x1F3B5),
        C("radio", "a radio", 0x1F4FB),
        C("saxophone", "a saxophone", 0x1F3B7),
        C("drum", "a drum", 0x1F941),
        C("mobile-phone", "a mobile phone|a smartphone", 0x1F4F1),
        C("battery", "a battery", 0x1F50B),
        C("plug", "an electric plug|a plug", 0x1F50C),
        C("floppy-disk", "a floppy disk", 0x1F4BE),
        C("magnifying-glass", "a magnifying glass", 0x1F50D),
        C("flashlight", "a flashlight|a torch", 0x1F526),
        C("lantern", "a red paper lantern|a lantern", 0x1F3EE),
        C("open-book", "an open book", 0x1F4D6),
        C("scroll", "a scroll", 0x1F4DC),
        C("newspaper", "a newspaper", 0x1F4F0),
        C("envelope", "an envelope|a letter", 0x2709),
        C("package", "a package|a parcel", 0x1F4E6),
        C("paintbrush", "a paintbrush", 0x1F58C),
        C("crayon", "a crayon", 0x1F58D),
        C("briefcase", "a briefcase", 0x1F4BC),
        C("calendar", "a calendar", 0x1F4C5),
        C("bar-chart", "a bar chart", 0x1F4CA),
        C("pushpin", "a pushpin|a thumbtack", 0x1F4CC),
        C("paperclip", "a paperclip", 0x1F4CE),
        C("wastebasket", "a wastebasket|a trash can", 0x1F5D1),
        C("wrench", "a wrench|a spanner", 0x1F527),
        C("gear", "a gear|a cog", 0x2699),
        C("crossed-swords", "crossed swords|a sword", 0x2694),
        C("bow-and-arrow", "a bow and arrow", 0x1F3F9),
        C("shield", "a shield", 0x1F6E1),
        C("microscope", "a microscope", 0x1F52C),
        C("telescope", "a telescope", 0x1F52D),
        C("syringe", "a syringe", 0x1F489),
        C("door", "a door", 0x1F6AA),
        C("bed", "a bed", 0x1F6CF),
        C("toilet", "a toilet", 0x1F6BD),
        C("bathtub", "a bathtub|a bath", 0x1F6C1),
        C("shopping-cart", "a shopping cart|a trolley", 0x1F6D2),
        C("moai", "a moai|a stone head statue", 0x1F5FF),
    ];

    /// <summary>Every concept in a fixed order (the index is each picture's label): the 32 x 32 set's, then the added.</summary>
    public static readonly IReadOnlyList<EmojiConcept> All =
    [
        .. EmojiConcepts.All.Select(c => MoreEmoji.TryGetValue(c.Key, out var more) ? c with { CodePoints = [.. c.CodePoints, .. more] } : c),
        .. Added.Select(c => MoreEmoji.TryGetValue(c.Key, out var more) ? c with { CodePoints = [.. c.CodePoints, .. more] } : c),
    ];

    /// <summary>Every caption of a concept: each name in each phrasing.</summary>
    public static IEnumerable<string> Captions(EmojiConcept concept) =>
        concept.Names.SelectMany(n => Phrasings.Select(p => string.Format(p, n)));
}

import Testing

@testable import TelefoniaCore

@Suite struct NumberPlanTests {
    /// One dialled string and what a caller in area 11 should get for it, written out by hand.
    struct Case: Sendable, CustomTestStringConvertible {
        var input: String
        var dialled: String
        var e164: String
        var numberClass: NumberClass
        var areaCode: String?
        var countryCode: String

        init(
            _ input: String, _ dialled: String, _ e164: String, _ numberClass: NumberClass, _ areaCode: String?,
            country: String = "55"
        ) {
            self.input = input
            self.dialled = dialled
            self.e164 = e164
            self.numberClass = numberClass
            self.areaCode = areaCode
            self.countryCode = country
        }

        var testDescription: String { "\"\(input)\"" }
        var expected: NormalizedNumber {
            NormalizedNumber(
                dialled: dialled, e164: e164, numberClass: numberClass, areaCode: areaCode, countryCode: countryCode)
        }
    }

    static let saoPaulo = NumberPlan(homeArea: "11")

    /// Input, dialled (separators stripped), E.164, class, area code[, country code].
    static let validNumbers: [Case] = [
        // Local: 8 and 9 digits in the home area.
        Case("98765-4321", "987654321", "+5511987654321", .mobileLocal, "11"),
        Case("3456 7890", "34567890", "+551134567890", .fixedLocal, "11"),
        Case("2345.6789", "23456789", "+551123456789", .fixedLocal, "11"),
        Case("8765-4321", "87654321", "+551187654321", .mobileLocal, "11"),
        // National with trunk prefix 0.
        Case("0 11 98765-4321", "011987654321", "+5511987654321", .mobileLocal, "11"),
        Case("021 2345 6789", "02123456789", "+552123456789", .fixedLongDistance, "21"),
        Case("(021) 98765-4321", "021987654321", "+5521987654321", .mobileLongDistance, "21"),
        Case("0 51 5555-1234", "05155551234", "+555155551234", .fixedLongDistance, "51"),
        // National with trunk prefix 0 and a carrier selection code, which is dropped.
        Case("0 21 11 98765 4321", "02111987654321", "+5511987654321", .mobileLocal, "11"),
        Case("0 15 21 2345 6789", "0152123456789", "+552123456789", .fixedLongDistance, "21"),
        Case("0-41-31-8765-4321", "0413187654321", "+553187654321", .mobileLongDistance, "31"),
        // Area + number without any prefix, as stored in mobile contact lists.
        Case("21 98765 4321", "21987654321", "+5521987654321", .mobileLongDistance, "21"),
        Case("(11) 3456-7890", "1134567890", "+551134567890", .fixedLocal, "11"),
        // Country code 55 without + or 00.
        Case("5511987654321", "5511987654321", "+5511987654321", .mobileLocal, "11"),
        Case("55 21 2345 6789", "552123456789", "+552123456789", .fixedLongDistance, "21"),
        // E.164 and 00 forms that are Brazilian.
        Case("+55 11 98765-4321", "+5511987654321", "+5511987654321", .mobileLocal, "11"),
        Case("+55 (21) 2345-6789", "+552123456789", "+552123456789", .fixedLongDistance, "21"),
        Case("0055 21 2345 6789", "00552123456789", "+552123456789", .fixedLongDistance, "21"),
        // International.
        Case("+1 212 555 0100", "+12125550100", "+12125550100", .international, nil, country: "1"),
        Case("0044 20 7946 0958", "00442079460958", "+442079460958", .international, nil, country: "44"),
        Case("+44 20 7946 0958", "+442079460958", "+442079460958", .international, nil, country: "44"),
        Case("00351 21 123 4567", "00351211234567", "+351211234567", .international, nil, country: "351"),
        Case("+7 495 123-45-67", "+74951234567", "+74951234567", .international, nil, country: "7"),
        // Toll-free.
        Case("0800 123 4567", "08001234567", "+558001234567", .tollFree, nil),
        Case("+55 800 123 4567", "+558001234567", "+558001234567", .tollFree, nil),
        // Emergency.
        Case("190", "190", "190", .emergency, nil),
        Case("192", "192", "192", .emergency, nil),
        Case(" 193 ", "193", "193", .emergency, nil),
    ]

    /// Each accepted form normalises to the E.164 number, class and area written in the table.
    @Test(arguments: validNumbers)
    func normalisesDialledNumber(_ testCase: Case) throws {
        #expect(try Self.saoPaulo.normalize(testCase.input) == testCase.expected)
    }

    static let rejected: [(String, NumberError)] = [
        ("", .empty),
        (" - ( ) ", .empty),
        ("abc", .invalidCharacters("abc")),
        ("11 9876*4321", .invalidCharacters("11 9876*4321")),
        ("#190", .invalidCharacters("#190")),
        ("12+34", .invalidCharacters("12+34")),
        ("++5511987654321", .invalidCharacters("++5511987654321")),
        ("٣٤٥٦٧٨٩٠", .invalidCharacters("٣٤٥٦٧٨٩٠")),
        ("1234", .unknownFormat("1234")),
        ("1234567", .unknownFormat("1234567")),
        ("12345678", .unknownFormat("12345678")),
        ("812345678", .unknownFormat("812345678")),
        ("1234567890123", .unknownFormat("1234567890123")),
        ("0 11 2345", .unknownFormat("0112345")),
        ("0 11 1234 5678", .unknownFormat("01112345678")),
        ("0300 123 4567", .unknownFormat("03001234567")),
        ("0 20 2345 6789", .invalidAreaCode("20")),
        ("0 10 98765 4321", .invalidAreaCode("10")),
        ("+", .unknownFormat("+")),
        ("+0 1234 5678", .unknownFormat("+012345678")),
        ("00 1 212", .unknownFormat("001212")),
        ("+1 212 555 0100 12345", .unknownFormat("+1212555010012345")),
        ("+55 11 1234", .unknownFormat("+55111234")),
        ("00000000", .unknownFormat("00000000")),
    ]

    /// Garbage, too short, too long and impossible numbers are rejected with the matching error.
    @Test(arguments: rejected)
    func rejectsNumbersThatCannotBeCalled(input: String, error: NumberError) {
        #expect(throws: error) { try Self.saoPaulo.normalize(input) }
    }

    /// The same long-distance number is local for a caller in that area.
    @Test func areaOfCallerDecidesLocalOrLongDistance() throws {
        let rio = NumberPlan(homeArea: "21")
        #expect(try rio.normalize("021 2345 6789").numberClass == .fixedLocal)
        #expect(try rio.normalize("0 11 98765-4321").numberClass == .mobileLongDistance)
        #expect(try rio.normalize("2345 6789").e164 == "+552123456789")
    }

    /// Every emergency short code is emergency and goes out exactly as dialled.
    @Test func everyEmergencyCodeIsEmergency() throws {
        for code in NumberPlan.emergencyNumbers {
            let number = try Self.saoPaulo.normalize(code)
            #expect(number.numberClass == .emergency)
            #expect(number.e164 == code)
        }
    }

    /// A plan whose home area is not a DDD cannot place local calls.
    @Test func localCallsNeedAValidHomeArea() {
        #expect(throws: NumberError.invalidAreaCode("01")) { try NumberPlan(homeArea: "01").normalize("2345 6789") }
    }

    /// Area codes are two digits without a zero.
    @Test func validatesAreaCodes() {
        #expect(NumberPlan.isValidAreaCode("11"))
        #expect(NumberPlan.isValidAreaCode("99"))
        for bad in ["10", "01", "00", "1", "111", "a1", ""] {
            #expect(!NumberPlan.isValidAreaCode(bad), "\(bad)")
        }
    }

    /// Error messages quote the input and tell the user what to dial instead.
    @Test func errorMessagesAreActionable() {
        #expect(NumberError.empty.description == "No number was dialled.")
        let invalid = NumberError.invalidCharacters("11*2#").description
        #expect(invalid.contains("\"11*2#\""))
        #expect(invalid.contains("'*', '#'"))
        #expect(NumberError.invalidCharacters("1+2").description.contains("misplaced +"))
        #expect(NumberError.unknownFormat("1234").description.contains("0 + area code"))
        #expect(NumberError.invalidAreaCode("20").description.contains("\"20\""))
    }
}

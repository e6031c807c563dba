package enum TemplateError: Error, Equatable {
    case unclosedSlot
    case badSlotName
}

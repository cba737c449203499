package models

// ReverseOrder exposes reverseOrder to the external tests.
var ReverseOrder = reverseOrder

// smmap's MapRegionList: the regions of one file, a plain array that also knows its file.
import native = require('./native')
import { checkPathOrFd, type PathOrFd } from './errors'
import type { MapRegion } from './util'

/**
 * The regions of one file, sorted by offset: an `Array<MapRegion>` that also knows its file.
 * @example
 * const list = new MapRegionList('/var/data/big.bin')
 * list.fileSize() // the file's current size
 */
export class MapRegionList extends Array<MapRegion> {
  readonly #pathOrFd: PathOrFd

  /** Derived arrays (`map`, `filter`, ...) are plain arrays: they belong to no file. */
  static get [Symbol.species](): ArrayConstructor {
    return Array
  }

  /** An empty list for the file `pathOrFd` (no I/O). */
  constructor(pathOrFd: PathOrFd) {
    checkPathOrFd(pathOrFd)
    super()
    this.#pathOrFd = pathOrFd
  }

  /** The path or fd this list belongs to. */
  pathOrFd(): PathOrFd {
    return this.#pathOrFd
  }

  /** The file's size, read from the file system each time (smmap cached it forever; files grow). */
  fileSize(): number {
    return native.fileSize(this.#pathOrFd)
  }
}

import { inject, Injectable } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { ActivatedRouteSnapshot, RouterStateSnapshot, TitleStrategy } from '@angular/router';

/** "Users · Administration · Veilig": every titled route on the active branch, innermost first. */
@Injectable({ providedIn: 'root' })
export class PortalTitleStrategy extends TitleStrategy {
  private readonly title = inject(Title);

  override updateTitle(snapshot: RouterStateSnapshot): void {
    const parts: string[] = [];
    for (let route: ActivatedRouteSnapshot | null = snapshot.root; route; route = route.firstChild) {
      const title: unknown = this.getResolvedTitleForRoute(route);
      if (typeof title === 'string' && title && !parts.includes(title)) {
        parts.unshift(title);
      }
    }
    this.title.setTitle([...parts, 'Veilig'].join(' · '));
  }
}
